package org.replicator.coordinator.restore;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.RestoreRecord;

/**
 * A restore worked out before anything is written: where the data comes from, where it goes, what
 * it costs, and what it overwrites. {@code replicator restore --dry-run} prints it.
 *
 * @param backupGeneration  the generation's id in the backup canister's own numbering
 * @param targetCanister    the original canister, or empty when a new one is to be created
 * @param writesOverwritten chunks of the original written since the newest sealed generation;
 *                          empty for a new canister or when the app could not tell
 * @param forced            --force was given
 * @param estimatedTime     from the throughput of the canister's latest full run; empty without one
 */
public record RestorePlan(ProtectedCanister canister, Generation generation, Replica replica, long backupGeneration,
        int chunkSize, RestoreRecord.Target target, Optional<PrincipalId> targetCanister, PrincipalId targetSubnet,
        Optional<AppModule> module, BigInteger cycles, BigInteger estimatedCycles, Optional<Duration> estimatedTime,
        Optional<Integer> writesOverwritten, boolean forced, List<String> notes) {
}
