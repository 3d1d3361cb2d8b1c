package org.replicator.localnet.subnet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** Canisters call each other across subnets as on the IC: replies, rejects, traps, cycles, limits. */
class InterCanisterCallTest {
    private static LocalNet net;
    private static IcClient ic;
    private static Principal caller;
    private static Principal remote;
    private static Principal local;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
        caller = ic.deploy(0, TestCanisters.universal());
        remote = ic.deploy(1, TestCanisters.universal());
        local = ic.deploy(0, TestCanisters.universal());
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    /** The caller forwards whatever comes back: the reply, or "rejected <code> <message>". */
    private static Universal forwardReply() {
        return Universal.program().argData().replyTop();
    }

    private static Universal forwardReject() {
        return Universal.program().push("rejected ").rejectCode().concat().push(" ").concat().rejectMessage().concat()
                .replyTop();
    }

    private static String callThrough(Principal callee, Universal calleeProgram) {
        byte[] reply = ic.update(caller, "update", Universal.program()
                .callNew(callee, "update", forwardReply(), forwardReject())
                .callDataAppend(calleeProgram.build())
                .callPerform().drop()
                .build());
        return new String(reply, UTF_8);
    }

    @Test
    void crossSubnetCallReturnsTheCalleesReply() {
        assertEquals("hello from subnet 1", callThrough(remote, Universal.program().replyWith("hello from subnet 1")));
    }

    @Test
    void sameSubnetCallReturnsTheCalleesReply() {
        assertEquals("neighbour", callThrough(local, Universal.program().replyWith("neighbour")));
    }

    @Test
    void calleeRejectReachesTheRejectCallbackWithCode4() {
        String result = callThrough(remote, Universal.program().rejectWith("not today"));
        assertTrue(result.startsWith("rejected "), result);
        assertTrue(result.contains("not today"), result);
        assertEquals(4, result.charAt("rejected ".length()));
    }

    @Test
    void calleeTrapReachesTheRejectCallbackWithCode5() {
        String result = callThrough(remote, Universal.program().trapWith("callee broke"));
        assertTrue(result.contains("callee broke"), result);
        assertEquals(5, result.charAt("rejected ".length()));
    }

    @Test
    void callToAMissingCanisterIsRejectedAsDestinationInvalid() {
        String result = callThrough(Principal.canister(LocalNet.CANISTERS_PER_SUBNET + 999),
                Universal.program().replyWith("unreachable"));
        assertEquals(3, result.charAt("rejected ".length()));
        assertTrue(result.contains("not found"), result);
    }

    @Test
    void trapInTheReplyCallbackRunsCleanupAndFailsTheCall() {
        Rejected e = assertThrows(Rejected.class, () -> ic.update(caller, "update", Universal.program()
                .callNew(remote, "update", Universal.program().trapWith("reply callback broke"), forwardReject())
                .callOnCleanup(Universal.program().push("cleaned up").setStore())
                .callDataAppend(Universal.program().replyWith("fine").build())
                .callPerform().drop()
                .build()));
        assertEquals("5", e.code());
        assertTrue(e.getMessage().contains("reply callback broke"), e.getMessage());
        byte[] store = ic.query(caller, "query", Universal.program().getStore().replyTop().build());
        assertEquals("cleaned up", new String(store, UTF_8));
    }

    @Test
    void attachedCyclesMoveToTheCalleeAndTheRestIsRefunded() {
        CanisterReport before = net.control().canister(remote).orElseThrow();
        byte[] refunded = ic.update(caller, "update", Universal.program()
                .callNew(remote, "update", Universal.program().cyclesRefunded().replyTop(), forwardReject())
                .callCyclesAdd(1_000_000)
                .callDataAppend(Universal.program().acceptCycles(400_000).drop().replyWith("thanks").build())
                .callPerform().drop()
                .build());
        assertEquals(600_000, Universal.u64(refunded));
        CanisterReport after = net.control().canister(remote).orElseThrow();
        assertEquals(400_000, after.cyclesReceived() - before.cyclesReceived());
    }

    @Test
    void requestAtTheCrossSubnetLimitIsDelivered() {
        int payload = ResourceLimits.MAX_XNET_PAYLOAD - "update".length();
        String result = callWithPaddedProgram(remote, payload);
        assertEquals(Integer.toString(payload), result);
    }

    @Test
    void requestJustOverTheCrossSubnetLimitIsRejected() {
        int payload = ResourceLimits.MAX_XNET_PAYLOAD - "update".length() + 1;
        String result = callWithPaddedProgram(remote, payload);
        assertEquals(5, result.charAt("rejected ".length()), result);
        assertTrue(result.contains("exceeding the limit 2097152"), result);
    }

    @Test
    void sameSubnetRequestsMayBeLargerThanCrossSubnetOnes() {
        int payload = 3 * ResourceLimits.MIB;
        assertEquals(Integer.toString(payload), callWithPaddedProgram(local, payload));
    }

    @Test
    void replyOverTwoMiBTrapsTheCallee() {
        String result = callThrough(remote, Universal.program().repeat((byte) 7, ResourceLimits.MAX_RESPONSE + 1L)
                .replyTop());
        assertEquals(5, result.charAt("rejected ".length()), result);
        assertTrue(result.contains("cannot be larger than 2097152"), result);
    }

    @Test
    void replyOfExactlyTwoMiBArrivesWhole() {
        byte[] reply = ic.update(caller, "update", Universal.program()
                .callNew(remote, "update", Universal.program().argData().length().replyTop(), forwardReject())
                .callDataAppend(Universal.program().repeat((byte) 7, ResourceLimits.MAX_RESPONSE).replyTop().build())
                .callPerform().drop()
                .build());
        assertEquals(ResourceLimits.MAX_RESPONSE, Universal.u32(reply));
    }

    /**
     * Makes the caller build, inside the canister (an ingress message cannot carry 2 MiB), a
     * program of exactly {@code argLength} bytes for the callee that replies with its own length.
     */
    private static String callWithPaddedProgram(Principal callee, int argLength) {
        String decimal = Integer.toString(argLength);
        byte[] suffix = Universal.program().drop().push(decimal).replyDataAppend().reply().build();
        int filler = argLength - 5 - suffix.length;
        byte[] prefix = new byte[5];
        prefix[0] = 0x01;
        System.arraycopy(Universal.le32(filler), 0, prefix, 1, 4);
        byte[] reply = ic.update(caller, "update", Universal.program()
                .callNew(callee, "update", forwardReply(), forwardReject())
                .push(prefix).repeat((byte) 0, filler).concat().push(suffix).concat().callDataAppendTop()
                .callPerform().drop()
                .build());
        return new String(reply, UTF_8);
    }
}
