package org.replicator.localnet.execution;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** Canisters execute as on the IC: installed, called, upgraded, reinstalled, rolled back on traps. */
class CanisterExecutionTest {
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

    private static Principal universal() {
        return ic.deploy(0, TestCanisters.universal());
    }

    private static String store(Principal c) {
        return new String(ic.query(c, "query", Universal.program().getStore().replyTop().build()), UTF_8);
    }

    private static void setStore(Principal c, String value) {
        ic.update(c, "update", Universal.program().push(value).setStore().replyWith("ok").build());
    }

    @Test
    void heapStateSurvivesBetweenMessages() {
        Principal c = universal();
        setStore(c, "remembered");
        assertEquals("remembered", store(c));
    }

    @Test
    void updateReturnsTheReplyPayload() {
        Principal c = universal();
        byte[] reply = ic.update(c, "update", Universal.program().replyWith(new byte[] {1, 2, 3}).build());
        assertArrayEquals(new byte[] {1, 2, 3}, reply);
    }

    @Test
    void queryChangesAreDiscarded() {
        Principal c = universal();
        setStore(c, "kept");
        byte[] reply = ic.query(c, "query", Universal.program().push("changed").setStore().replyWith("done").build());
        assertEquals("done", new String(reply, UTF_8));
        assertEquals("kept", store(c));
    }

    @Test
    void upgradeKeepsStableMemoryAndStartsWithAFreshHeap() {
        Principal c = universal();
        ic.update(c, "update", Universal.program().push("heap").setStore().stableGrow(1).drop()
                .stableWrite(0, "stable".getBytes(UTF_8)).replyWith("ok").build());
        ic.install(c, TestCanisters.universal(), "upgrade", new byte[0]);
        assertEquals("", store(c));
        byte[] stable = ic.query(c, "query", Universal.program().stableRead(0, 6).replyTop().build());
        assertEquals("stable", new String(stable, UTF_8));
    }

    @Test
    void upgradeHooksCarryHeapStateThroughStableMemory() {
        Principal c = universal();
        setStore(c, "carried");
        Universal save = Universal.program().stableGrow(1).drop().pushU64(0).getStore().stableWriteStack();
        ic.update(c, "update", Universal.program().onPreUpgrade(save).replyWith("ok").build());
        byte[] restore = Universal.program().stableRead(0, "carried".length()).setStore().build();
        ic.install(c, TestCanisters.universal(), "upgrade", restore);
        assertEquals("carried", store(c));
    }

    @Test
    void failedUpgradeLeavesTheCanisterAsItWas() {
        Principal c = universal();
        setStore(c, "before");
        Rejected e = assertThrows(Rejected.class, () -> ic.install(c, TestCanisters.universal(), "upgrade",
                Universal.program().trapWith("post_upgrade refuses").build()));
        assertTrue(e.getMessage().contains("post_upgrade refuses"), e.getMessage());
        assertEquals("before", store(c));
    }

    @Test
    void reinstallWipesHeapAndStableMemory() {
        Principal c = universal();
        ic.update(c, "update", Universal.program().push("old").setStore().stableGrow(1).drop()
                .stableWrite(0, "x".getBytes(UTF_8)).replyWith("ok").build());
        ic.install(c, TestCanisters.universal(), "reinstall", new byte[0]);
        assertEquals("", store(c));
        byte[] size = ic.query(c, "query", Universal.program().stableSize().replyTop().build());
        assertEquals(0, Universal.u64(size));
    }

    @Test
    void trapRollsBackHeapAndStableMemory() {
        Principal c = universal();
        setStore(c, "safe");
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "update", Universal.program()
                .push("lost").setStore().stableGrow(2).drop().stableWrite(0, "lost".getBytes(UTF_8))
                .trapWith("boom").build()));
        assertEquals("5", e.code());
        assertTrue(e.getMessage().contains("Canister called `ic0.trap` with message: 'boom'"), e.getMessage());
        assertEquals("safe", store(c));
        byte[] size = ic.query(c, "query", Universal.program().stableSize().replyTop().build());
        assertEquals(0, Universal.u64(size));
    }

    @Test
    void queryThatRunsOutOfInstructionsFailsWithTheIcError() {
        Principal c = universal();
        Rejected e = assertThrows(Rejected.class,
                () -> ic.query(c, "query", Universal.program().loopForever().build()));
        assertTrue(e.getMessage().contains("exceeded the limit of 5000000000 instructions"), e.getMessage());
    }

    @Test
    void callingAMethodTheCanisterDoesNotHaveIsRefused() {
        Principal c = universal();
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "no_such_method", new byte[0]));
        assertTrue(e.getMessage().contains("has no update method 'no_such_method'"), e.getMessage());
    }

    @Test
    void callingAnUnknownCanisterIsRefused() {
        Principal missing = Principal.canister(4242);
        Rejected e = assertThrows(Rejected.class, () -> ic.update(missing, "update", new byte[0]));
        assertEquals("3", e.code());
        assertTrue(e.getMessage().contains("IC0301"), e.getMessage());
    }

    @Test
    void messageWithoutAReplyIsRejectedAsDidNotReply() {
        Principal c = universal();
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "update", Universal.program().build()));
        assertEquals("5", e.code());
        assertTrue(e.getMessage().contains("did not reply"), e.getMessage());
    }

    @Test
    void inspectMessageCanRefuseIngress() {
        Principal c = universal();
        ic.update(c, "update", Universal.program().inspectMessageAccepts(false).replyWith("ok").build());
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "update", Universal.program().replyWith("x").build()));
        assertTrue(e.getMessage().contains("rejected the message"), e.getMessage());
    }

    @Test
    void nonControllerCannotManageACanister() {
        Principal c = universal();
        try (IcClient stranger = IcClient.forNet(net)) {
            Rejected e = assertThrows(Rejected.class, () -> stranger.stop(c));
            assertTrue(e.getMessage().contains("Only controllers of canister " + c), e.getMessage());
        }
    }

    @Test
    void stoppedCanisterRefusesCallsUntilStarted() {
        Principal c = universal();
        ic.stop(c);
        Rejected e = assertThrows(Rejected.class, () -> ic.update(c, "update", Universal.program().replyWith("x").build()));
        assertTrue(e.getMessage().contains("is stopped"), e.getMessage());
        ic.start(c);
        assertEquals("x", new String(ic.update(c, "update", Universal.program().replyWith("x").build()), UTF_8));
    }

    @Test
    void canisterStatusReportsModuleHashAndControllers() {
        byte[] wasm = TestCanisters.universal();
        Principal c = ic.deploy(1, wasm);
        var status = ic.status(c);
        assertTrue(status.containsKey(IcClient.label("module_hash")));
        assertTrue(status.containsKey(IcClient.label("cycles")));
    }
}
