package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * One replication run of a canister into its replicas. The state says what has been done for
 * sure; the engine resumes an unfinished run from it (see docs/coordinator.md).
 *
 * @param source the canister the image is read from: the protected canister itself, or the
 *               canister promoted in its place while its subnet was down
 */
public record Run(
        long id,
        PrincipalId canister,
        PrincipalId source,
        Kind kind,
        State state,
        Optional<BigInteger> epoch,
        Optional<Image> image,
        Optional<Long> baseGeneration,
        Optional<BigInteger> cycleBudget,
        int attempt,
        Instant startedAt,
        Instant updatedAt,
        Optional<Instant> finishedAt,
        Optional<String> error) {

    public enum Kind {
        FULL, INCREMENTAL;

        String column() {
            return name().toLowerCase();
        }

        static Kind of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    public enum State {
        /** recorded, nothing asked of the source yet */
        PLANNED,
        /** the source froze an image under an epoch */
        BEGUN,
        /** replicas are pulling chunks */
        PULLING,
        /** every replica has pulled; roots are being compared */
        VERIFYING,
        /** roots matched; generations are being sealed */
        SEALING,
        SEALED,
        FAILED,
        CANCELLED;

        public boolean finished() {
            return this == SEALED || this == FAILED || this == CANCELLED;
        }

        String column() {
            return name().toLowerCase();
        }

        static State of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    /** What the source reported when it froze the image. */
    public record Image(long size, int chunkSize, int chunkCount, Digest root) {
    }
}
