package org.replicator.localnet.network;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** Cross-subnet messages can be dropped, delayed or corrupted by rule, for failure tests. */
class FaultInjectionTest {
    private static LocalNet net;
    private static IcClient ic;
    private static Principal caller;
    private static Principal callee;
    private static Principal witness;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
        caller = ic.deploy(0, TestCanisters.universal());
        callee = ic.deploy(1, TestCanisters.universal());
        witness = ic.deploy(0, TestCanisters.universal());
    }

    @AfterEach
    void clearFaults() {
        net.control().clearFaults();
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    private static byte[] call(byte[] calleeReply) {
        return ic.update(caller, "update", Universal.program()
                .callNew(callee, "update", Universal.program().argData().replyTop(),
                        Universal.program().push("rejected ").rejectCode().concat().rejectMessage().concat().replyTop())
                .callDataAppend(Universal.program().replyWith(calleeReply).build())
                .callPerform().drop().build());
    }

    @Test
    void droppedRequestComesBackAsATransientReject() {
        net.control().addFault(FaultRule.builder("lose one request", FaultRule.Action.DROP)
                .kind(FaultRule.Kind.REQUEST).receiver(callee).times(1).build());
        String result = new String(call("never".getBytes(UTF_8)), UTF_8);
        assertTrue(result.startsWith("rejected "), result);
        assertEquals(2, result.charAt("rejected ".length()), "SYS_TRANSIENT");
        assertTrue(result.contains("lose one request"), result);
        assertEquals("again", new String(call("again".getBytes(UTF_8)), UTF_8), "the rule fired only once");
    }

    @Test
    void corruptedResponseArrivesWithOtherBytes() {
        byte[] original = "exactly these bytes".getBytes(UTF_8);
        net.control().addFault(FaultRule.builder("flip a byte", FaultRule.Action.CORRUPT)
                .kind(FaultRule.Kind.RESPONSE).sender(callee).times(1).build());
        byte[] received = call(original);
        assertEquals(original.length, received.length);
        assertNotEquals(new String(original, UTF_8), new String(received, UTF_8));
    }

    @Test
    void delayedRequestArrivesOnlyAfterTheDelay() throws Exception {
        net.control().addFault(FaultRule.builder("slow link", FaultRule.Action.DELAY)
                .kind(FaultRule.Kind.REQUEST).receiver(callee).delay(Duration.ofSeconds(40)).times(1).build());
        CompletableFuture<byte[]> delayed = CompletableFuture.supplyAsync(() -> call("late".getBytes(UTF_8)));
        waitUntilFired("slow link");
        ic.update(witness, "update", Universal.program().replyWith("rounds go on").build());
        assertFalse(delayed.isDone(), "the request is held");
        net.control().advanceTime(Duration.ofSeconds(41));
        assertEquals("late", new String(delayed.get(60, TimeUnit.SECONDS), UTF_8));
    }

    private static void waitUntilFired(String name) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (net.control().faults().stream().noneMatch(r -> r.name().equals(name) && r.fired() > 0)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fault rule '" + name + "' never fired");
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
    }
}
