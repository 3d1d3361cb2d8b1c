package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import org.replicator.coordinator.store.Digest;

/** A sealed generation as the backup canister reports it, with its own transfer and cycle counters. */
public record BackupGeneration(long id, long epoch, Digest root, long size, int chunkSize, int chunkCount,
        long bytesTransferred, BigInteger cyclesSpent) {
}
