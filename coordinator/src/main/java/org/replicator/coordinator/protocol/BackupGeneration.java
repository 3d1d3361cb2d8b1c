package org.replicator.coordinator.protocol;

import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;

/**
 * A sealed generation as the backup canister reports it. {@code id} is the backup canister's own
 * numbering, not the coordinator's generation id; the two are matched by epoch.
 *
 * @param source the canister it was pulled from (epochs are only unique per source, and a backup
 *     canister's source can change with set_source); empty from a backup canister built before
 *     set_source existed, whose generations all come from its one source
 */
public record BackupGeneration(long id, long epoch, Digest root, long size, int chunkSize, int chunkCount,
        long chunksFetched, Optional<PrincipalId> source) {

    /** Whether this is the backup canister's copy of {@code g}: the same epoch of the same source. */
    public boolean holds(org.replicator.coordinator.store.Generation g) {
        return epoch == g.epoch().longValueExact() && source.map(s -> s.equals(g.source())).orElse(true);
    }
}
