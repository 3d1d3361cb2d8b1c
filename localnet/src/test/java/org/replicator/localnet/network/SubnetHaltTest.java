package org.replicator.localnet.network;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** A halted subnet makes no progress; what was sent to it waits and completes after resume. */
class SubnetHaltTest {
    private static LocalNet net;
    private static IcClient ic;

    @BeforeAll
    static void start() {
        // the universal canister's heartbeat would otherwise add to the executions this test counts
        net = LocalNet.start(LocalNetConfig.defaults().withHeartbeatInterval(java.time.Duration.ofHours(1)));
        ic = IcClient.forNet(net);
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    private static long executed(Principal c) {
        return net.control().canister(c).orElseThrow().messagesExecuted();
    }

    @Test
    void callsToAHaltedSubnetWaitAndCompleteAfterResume() throws Exception {
        Principal caller = ic.deploy(0, TestCanisters.universal());
        Principal callee = ic.deploy(1, TestCanisters.universal());
        Principal witness = ic.deploy(0, TestCanisters.universal());
        long calleeBefore = executed(callee);
        net.control().halt(1);
        try {
            CompletableFuture<byte[]> crossSubnet = CompletableFuture.supplyAsync(() -> ic.update(caller, "update",
                    Universal.program()
                            .callNew(callee, "update", Universal.program().argData().replyTop(),
                                    Universal.program().rejectMessage().replyTop())
                            .callDataAppend(Universal.program().replyWith("after the halt").build())
                            .callPerform().drop().build()));
            CompletableFuture<byte[]> ingress = CompletableFuture.supplyAsync(() ->
                    ic.update(callee, "update", Universal.program().replyWith("queued").build()));
            // Subnet 0 keeps executing while subnet 1 is halted.
            assertEquals("alive", new String(ic.update(witness, "update",
                    Universal.program().replyWith("alive").build()), UTF_8));
            assertEquals(calleeBefore, executed(callee));
            assertFalse(crossSubnet.isDone());
            assertThrows(RuntimeException.class, () -> ic.query(callee, "query",
                    Universal.program().replyWith("x").build()), "queries to a halted subnet fail");
            net.control().resume(1);
            assertEquals("after the halt", new String(crossSubnet.get(120, TimeUnit.SECONDS), UTF_8));
            assertEquals("queued", new String(ingress.get(120, TimeUnit.SECONDS), UTF_8));
        } finally {
            net.control().resume(1);
        }
    }
}
