package org.replicator.localnet.cycles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/**
 * Balances move exactly as the IC's published fee table says: ingress per message and byte,
 * execution per message and instruction, calls per call and byte, storage over time.
 */
class CyclesAccountingTest {
    // The IC's published figures for a 13-node subnet, written out so that the fee file is checked too.
    private static final long UPDATE_BASE = 5_000_000;
    private static final long INGRESS_BASE = 1_200_000;
    private static final long INGRESS_PER_BYTE = 2_000;
    private static final long CALL_BASE = 260_000;
    private static final long CALL_PER_BYTE = 1_000;

    private static LocalNet net;
    private static IcClient ic;

    @BeforeAll
    static void start() {
        // The universal canister exports canister_heartbeat; a heartbeat landing inside the scripted
        // workload would be one more message and one more charge than the script makes.
        net = LocalNet.start(LocalNetConfig.defaults().withHeartbeatInterval(Duration.ofDays(365)));
        ic = IcClient.forNet(net);
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    private static CanisterReport report(Principal c) {
        return net.control().canister(c).orElseThrow();
    }

    @Test
    void feeFileHoldsThePublishedFigures() {
        FeeSchedule fees = FeeSchedule.standard();
        assertEquals(500_000_000_000L, fees.canisterCreationFee());
        assertEquals(UPDATE_BASE, fees.updateMessageExecutionFee());
        assertEquals(INGRESS_BASE + 100 * INGRESS_PER_BYTE, fees.ingressInductionCost(100));
        assertEquals(CALL_BASE + 100 * CALL_PER_BYTE, fees.callCost(100));
        assertEquals(UPDATE_BASE + 1_000_000, fees.executionCost(1_000_000));
        FeeSchedule big = fees.forSubnetSize(34);
        assertEquals(CALL_BASE * 34 / 13, big.xnetCallFee());
    }

    @Test
    void scriptedWorkloadChargesExactlyTheFeeTable() {
        Principal a = ic.deploy(0, TestCanisters.universal());
        Principal b = ic.deploy(1, TestCanisters.universal());
        byte[] calleeProgram = Universal.program().repeat((byte) 1, 5_000).replyTop().build();
        byte[] callerProgram = Universal.program()
                .callNew(b, "update", Universal.program().argData().length().replyTop(), Universal.program().rejectMessage().replyTop())
                .callDataAppend(calleeProgram)
                .callPerform().drop()
                .build();
        CanisterReport a0 = report(a);
        CanisterReport b0 = report(b);

        byte[] reply = ic.update(a, "update", callerProgram);

        assertEquals(5_000, Universal.u32(reply));
        CanisterReport a1 = report(a);
        CanisterReport b1 = report(b);
        long ingress = INGRESS_BASE + INGRESS_PER_BYTE * ("update".length() + callerProgram.length);
        long call = CALL_BASE + CALL_PER_BYTE * ("update".length() + calleeProgram.length) + CALL_PER_BYTE * 5_000;
        assertEquals(ingress, a1.cyclesForIngress() - a0.cyclesForIngress(), "ingress charge of the caller");
        assertEquals(call, a1.cyclesForCalls() - a0.cyclesForCalls(), "call charge of the caller");
        assertEquals(2, a1.messagesExecuted() - a0.messagesExecuted(), "the method and its reply callback");
        assertEquals(2 * UPDATE_BASE + (a1.instructionsExecuted() - a0.instructionsExecuted()),
                a1.cyclesForExecution() - a0.cyclesForExecution(), "execution charge of the caller");
        assertEquals(UPDATE_BASE + (b1.instructionsExecuted() - b0.instructionsExecuted()),
                b1.cyclesForExecution() - b0.cyclesForExecution(), "execution charge of the callee");
        assertEquals(0, b1.cyclesForIngress() - b0.cyclesForIngress());
        assertEquals(0, b1.cyclesForCalls() - b0.cyclesForCalls());
        assertBalanceFollowsCharges(a0, a1);
        assertBalanceFollowsCharges(b0, b1);
    }

    @Test
    void storageIsChargedForMemoryOverTime() {
        Principal c = ic.deploy(2, TestCanisters.universal());
        ic.update(c, "update", Universal.program().stableGrow(160).drop().replyWith("10 MiB").build());
        CanisterReport before = report(c);
        net.control().advanceTime(java.time.Duration.ofSeconds(60));
        ic.update(c, "update", Universal.program().replyWith("tick").build());
        CanisterReport after = report(c);
        long storage = after.cyclesForStorage() - before.cyclesForStorage();
        // at least 60 s of the canister's memory at 127 000 cycles per GiB-second
        long atLeast = (long) (before.memoryBytes() / (double) (1L << 30) * 60 * 127_000);
        assertTrue(storage >= atLeast, "storage " + storage + " < " + atLeast);
        assertBalanceFollowsCharges(before, after);
    }

    private static void assertBalanceFollowsCharges(CanisterReport before, CanisterReport after) {
        long expected = before.balance()
                - (after.cyclesCharged() - before.cyclesCharged())
                - (after.cyclesSent() - before.cyclesSent())
                + (after.cyclesReceived() - before.cyclesReceived())
                - (after.cyclesBurned() - before.cyclesBurned());
        assertEquals(expected, after.balance(), "balance of " + after.canisterId());
    }
}
