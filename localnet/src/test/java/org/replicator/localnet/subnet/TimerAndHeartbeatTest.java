package org.replicator.localnet.subnet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** The global timer fires once its time has come; heartbeats run on their own. */
class TimerAndHeartbeatTest {
    private static LocalNet net;
    private static IcClient ic;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    private static String store(Principal c) {
        return new String(ic.query(c, "query", Universal.program().getStore().replyTop().build()), UTF_8);
    }

    @Test
    void globalTimerFiresWhenTheNetworkClockPassesIt() throws InterruptedException {
        Principal c = ic.deploy(0, TestCanisters.universal());
        long due = net.clock().nowNanos() + Duration.ofSeconds(30).toNanos();
        ic.update(c, "update", Universal.program()
                .onGlobalTimer(Universal.program().push("fired").setStore())
                .setGlobalTimer(due).drop()
                .replyWith("armed").build());
        assertEquals("", store(c));
        net.control().advanceTime(Duration.ofSeconds(31));
        awaitEquals("fired", () -> store(c));
    }

    @Test
    void timerSetInPostUpgradeSurvivesTheUpgrade() throws InterruptedException {
        Principal c = ic.deploy(0, TestCanisters.universal());
        long due = net.clock().nowNanos() + Duration.ofSeconds(30).toNanos();
        ic.install(c, TestCanisters.universal(), "upgrade", Universal.program()
                .onGlobalTimer(Universal.program().push("fired after upgrade").setStore())
                .setGlobalTimer(due).drop().build());
        assertEquals("", store(c));
        net.control().advanceTime(Duration.ofSeconds(31));
        awaitEquals("fired after upgrade", () -> store(c));
    }

    @Test
    void upgradeDeactivatesATimerThatPostUpgradeDoesNotSetAgain() {
        Principal c = ic.deploy(0, TestCanisters.universal());
        long due = net.clock().nowNanos() + Duration.ofHours(1).toNanos();
        ic.update(c, "update", Universal.program().setGlobalTimer(due).drop().replyWith("armed").build());
        ic.install(c, TestCanisters.universal(), "upgrade", new byte[0]);
        // global_timer_set answers the timer it replaces: none, after the upgrade.
        byte[] previous = ic.update(c, "update", Universal.program().setGlobalTimer(0).replyTop().build());
        assertEquals(0L, Universal.u64(previous));
    }

    @Test
    void heartbeatRunsWithoutAnyMessage() throws InterruptedException {
        Principal c = ic.deploy(1, TestCanisters.universal());
        ic.update(c, "update", Universal.program()
                .onHeartbeat(Universal.program().push("beat").setStore())
                .replyWith("ok").build());
        awaitEquals("beat", () -> store(c));
    }

    private static void awaitEquals(String expected, Supplier<String> actual) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = actual.get();
        while (!expected.equals(last)) {
            if (System.nanoTime() > deadline) {
                assertEquals(expected, last, "not reached within 30 s");
            }
            Thread.sleep(20);
            last = actual.get();
        }
    }
}
