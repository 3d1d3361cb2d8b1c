package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A backup canister's run as status() and sync() report it.
 *
 * @param state idle, beginning, pulling, verifying, sealing, restoring or paused
 * @param pauseReason set when paused
 */
public record BackupRun(long id, String state, Optional<String> pauseReason, Optional<Long> epoch, boolean incremental,
        long chunksDone, long chunksTotal, long bytesTransferred, BigInteger cyclesSpent) {

    public boolean paused() {
        return state.equals("paused");
    }
}
