package org.replicator.localnet.persistence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.network.FaultRule;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.LocalNetProcess;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** A localnet restarted from its state directory has every canister, memory page and balance back. */
class RestartTest {

    private static String store(IcClient ic, Principal c) {
        return new String(ic.query(c, "query", Universal.program().getStore().replyTop().build()), UTF_8);
    }

    private static byte[] stable(IcClient ic, Principal c, int length) {
        return ic.query(c, "query", Universal.program().stableRead(0, length).replyTop().build());
    }

    @Test
    void cleanRestartKeepsCanistersMemoryAndBalances(@TempDir Path state) {
        LocalNetConfig config = LocalNetConfig.defaults().withStateDir(state);
        Principal c;
        byte[] rootKey;
        CanisterReport before;
        byte[] stableData = new byte[100_000];
        new java.util.Random(7).nextBytes(stableData);
        try (LocalNet net = LocalNet.start(config); IcClient ic = IcClient.forNet(net)) {
            rootKey = net.rootKeyDer();
            c = ic.deploy(1, TestCanisters.universal());
            ic.update(c, "update", Universal.program().push("heap state").setStore().stableGrow(2).drop()
                    .stableWrite(0, stableData).replyWith("ok").build());
            before = net.control().canister(c).orElseThrow();
        }
        try (LocalNet net = LocalNet.start(config); IcClient ic = IcClient.forNet(net)) {
            assertArrayEquals(rootKey, net.rootKeyDer(), "the root key is kept");
            assertEquals("heap state", store(ic, c));
            assertArrayEquals(stableData, stable(ic, c, stableData.length));
            CanisterReport after = net.control().canister(c).orElseThrow();
            assertEquals(before.cyclesForIngress(), after.cyclesForIngress());
            assertEquals(before.cyclesReceived(), after.cyclesReceived());
            ic.update(c, "update", Universal.program().push("changed after restart").setStore().replyWith("ok").build());
            assertEquals("changed after restart", store(ic, c));
            Principal next = ic.createCanister(1);
            assertEquals(c.canisterIndex() + 1, next.canisterIndex(), "ids are not handed out twice");
        }
    }

    @Test
    void killedProcessRestartsWithCommittedStateAndPendingMessages(@TempDir Path state) throws Exception {
        int port = LocalNetProcess.freePort();
        Principal caller;
        Principal callee;
        IcClient.PendingCall inFlight;
        IcClient ic;
        try (LocalNetProcess first = LocalNetProcess.start(state, port)) {
            ic = new IcClient(first.url(), IcClient.newIdentity());
            caller = ic.deploy(0, TestCanisters.universal());
            callee = ic.deploy(2, TestCanisters.universal());
            ic.update(caller, "update", Universal.program().push("committed").setStore().replyWith("ok").build());
            ic.update(callee, "update", Universal.program().stableGrow(1).drop()
                    .stableWrite(0, "stable before kill".getBytes(UTF_8)).replyWith("ok").build());
            // A cross-subnet call held in the stream by a long delay is in flight when the process dies.
            holdRequestsTo(first, callee);
            inFlight = ic.submit(caller, "update", Universal.program()
                    .callNew(callee, "update", Universal.program().argData().replyTop(),
                            Universal.program().rejectMessage().replyTop())
                    .callDataAppend(Universal.program().replyWith("survived the kill").build())
                    .callPerform().drop().build());
            awaitFaultFired(first);
            first.kill();
        }
        try (LocalNetProcess second = LocalNetProcess.start(state, port)) {
            // Fault rules are not state: after the restart the held request goes through, and the
            // agent polling the same request id gets the reply.
            assertEquals("survived the kill", new String(inFlight.await(), UTF_8));
            assertEquals("committed", store(ic, caller));
            assertEquals("stable before kill", new String(stable(ic, callee, 18), UTF_8));
            second.stop();
        }
        ic.close();
    }

    @Test
    void aCallSentInTheLastRoundBeforeAKillIsDeliveredAfterTheRestart(@TempDir Path state, @TempDir Path killed)
            throws Exception {
        int port = LocalNetProcess.freePort();
        // No heartbeats: the caller's subnet runs no round after the one that sends the call, so
        // only that round's journal record can hold the call (the universal canister exports
        // canister_heartbeat, whose rounds would otherwise journal the stream again).
        LocalNetConfig config = LocalNetConfig.defaults().withStateDir(state).withPort(port)
                .withHeartbeatInterval(Duration.ofDays(1));
        Principal callee;
        IcClient.PendingCall inFlight;
        IcClient ic;
        try (LocalNet first = LocalNet.start(config)) {
            ic = new IcClient(first.url(), IcClient.newIdentity());
            Principal caller = ic.deploy(0, TestCanisters.universal());
            callee = ic.deploy(2, TestCanisters.universal());
            first.control().addFault(FaultRule.builder("hold", FaultRule.Action.DELAY).kind(FaultRule.Kind.REQUEST)
                    .receiver(callee).delay(Duration.ofHours(1)).build());
            inFlight = ic.submit(caller, "update", Universal.program()
                    .callNew(callee, "update", Universal.program().argData().replyTop(),
                            Universal.program().rejectMessage().replyTop())
                    .callDataAppend(Universal.program().replyWith("sent just before the kill").build())
                    .callPerform().drop().build());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (first.control().faults().stream().noneMatch(r -> r.fired() > 0)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the call never reached the callee's subnet");
                }
                Thread.sleep(20);
            }
            // what a SIGKILL would leave now: every journal record written so far, nothing more
            copyTree(state, killed);
        }
        try (LocalNet second = LocalNet.start(config.withStateDir(killed))) {
            assertEquals("sent just before the kill", new String(inFlight.await(), UTF_8),
                    "the call is in the caller's stream after the restart, and its reply reaches the caller");
        }
        ic.close();
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var paths = java.nio.file.Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (java.nio.file.Files.isDirectory(p)) {
                    java.nio.file.Files.createDirectories(target);
                } else {
                    java.nio.file.Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void holdRequestsTo(LocalNetProcess net, Principal callee) throws Exception {
        String body = "{\"name\":\"hold\",\"action\":\"DELAY\",\"kind\":\"REQUEST\",\"receiver\":\"" + callee
                + "\",\"delayMillis\":3600000}";
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                        .newBuilder(net.url().resolve("/_/control/faults"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
    }

    private static void awaitFaultFired(LocalNetProcess net) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                    .newBuilder(net.url().resolve("/_/control/faults")).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.body().contains("\"fired\" : 1")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the delay rule never fired: " + response.body());
            }
            Thread.sleep(20);
        }
    }
}
