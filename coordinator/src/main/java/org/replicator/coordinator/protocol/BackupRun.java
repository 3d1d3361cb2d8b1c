package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A backup canister's run as status() and sync() report it (backup_canister.did, {@code Run}).
 *
 * @param state beginning, listing_changes, pulling, ending, sealed, paused or failed
 * @param cyclesSpent the balance decrease over the run's own executions (Candid {@code int}: reply
 *     fees reserved and returned count back, so it can in principle be negative)
 * @param generation the generation the run sealed, once sealed
 * @param error why it paused or failed, {@code "<CODE>: ..."}
 */
public record BackupRun(long id, String state, Optional<Long> epoch, boolean incremental, long chunksTotal,
        long chunksDone, long chunksFetched, long chunksReused, long bytesFetched, long retries, BigInteger cyclesSpent,
        Optional<Long> generation, Optional<String> error) {

    public boolean paused() {
        return state.equals("paused");
    }

    public boolean failed() {
        return state.equals("failed");
    }

    public boolean sealed() {
        return state.equals("sealed");
    }
}
