package org.replicator.coordinator.protocol;

import org.replicator.coordinator.store.Digest;

/**
 * A sealed generation as the backup canister reports it. {@code id} is the backup canister's own
 * numbering, not the coordinator's generation id; the two are matched by epoch.
 */
public record BackupGeneration(long id, long epoch, Digest root, long size, int chunkSize, int chunkCount,
        long chunksFetched) {
}
