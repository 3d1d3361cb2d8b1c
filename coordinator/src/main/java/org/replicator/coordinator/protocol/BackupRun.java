package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A backup canister's run as status() and sync() report it (backup_canister.did, {@code Run}).
 *
 * @param state beginning, listing_changes, pulling, ending, sealed, paused or failed
 * @param cyclesSpent the balance decrease over the run's own executions (Candid {@code int}: reply
 *     fees reserved and returned count back, so it can in principle be negative)
 * @param cyclesReceived balance rises too large to be refunds, i.e. top-ups during the run, kept out
 *     of {@code cyclesSpent}; zero from a backup canister built before it was reported
 * @param generation the generation the run sealed, once sealed
 * @param error why it paused or failed, {@code "<CODE>: ..."}
 */
public record BackupRun(long id, String state, Optional<Long> epoch, boolean incremental, long chunksTotal,
        long chunksDone, long chunksFetched, long chunksReused, long bytesFetched, long retries, BigInteger cyclesSpent,
        Optional<Long> generation, Optional<String> error, BigInteger cyclesReceived) {

    /** Beginning, listing changes, pulling or ending: it still calls its source. */
    public boolean active() {
        return switch (state) {
            case "beginning", "listing_changes", "pulling", "ending" -> true;
            default -> false;
        };
    }

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
