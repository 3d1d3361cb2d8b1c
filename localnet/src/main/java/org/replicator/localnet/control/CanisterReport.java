package org.replicator.localnet.control;

import java.util.List;
import org.replicator.localnet.ids.Principal;

/**
 * A canister as the control interface reports it: where it lives, its cycles and what it
 * consumed. {@code cyclesCharged()} is what the network charged it by the fee table.
 */
public record CanisterReport(
        Principal canisterId,
        Principal subnetId,
        String status,
        long balance,
        long messagesExecuted,
        long instructionsExecuted,
        long cyclesForExecution,
        long cyclesForIngress,
        long cyclesForCalls,
        long cyclesForStorage,
        long cyclesSent,
        long cyclesReceived,
        long cyclesBurned,
        long heapBytes,
        long stableBytes,
        long moduleBytes,
        List<String> recentLogs) {

    public long cyclesCharged() {
        return cyclesForExecution + cyclesForIngress + cyclesForCalls + cyclesForStorage;
    }

    public long memoryBytes() {
        return heapBytes + stableBytes + moduleBytes;
    }
}
