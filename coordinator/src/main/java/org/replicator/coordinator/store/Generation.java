package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * One consistent image held by a replica; it counts as a backup only once sealed.
 *
 * @param source the canister the image was read from (epochs are numbered per source)
 */
public record Generation(
        long id,
        PrincipalId replica,
        PrincipalId source,
        Optional<Long> run,
        BigInteger epoch,
        Digest root,
        long size,
        int chunkCount,
        Optional<Digest> sourceModuleHash,
        Optional<Long> parent,
        Instant createdAt,
        Optional<Instant> sealedAt) {

    public boolean sealed() {
        return sealedAt.isPresent();
    }
}
