package org.replicator.coordinator.store;

import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * One failover of a protected canister: a replica's generation made live in a new canister on the
 * replica's subnet, the old primary fenced when its subnet answered again, and possibly the service
 * brought home later. The state says what has been done for sure; {@code replicator promote},
 * {@code fence} and {@code failback} resume from it.
 *
 * @param writesNotCarried chunks the old primary wrote after its last sealed generation, counted
 *                         when it was fenced: the data loss the replication schedule allowed
 */
public record Promotion(
        long id,
        PrincipalId canister,
        PrincipalId replica,
        Optional<Long> generation,
        PrincipalId oldLive,
        PrincipalId oldSubnet,
        Optional<PrincipalId> newLive,
        PrincipalId newSubnet,
        State state,
        Optional<Long> restore,
        boolean automatic,
        String reason,
        String actor,
        Optional<Integer> writesNotCarried,
        Optional<String> fenceNote,
        Optional<Long> failbackRestore,
        Instant startedAt,
        Optional<Instant> liveAt,
        Optional<Instant> fencedAt,
        Optional<Instant> failedBackAt,
        Optional<String> error) {

    public enum State {
        /** the replica's generation is being restored into the new canister */
        PLANNED,
        /** the new canister serves; the old primary has not been fenced yet */
        LIVE,
        /** the old primary is write-fenced and stopped */
        FENCED,
        /** the service is being brought back to the original canister */
        FAILING_BACK,
        FAILED_BACK,
        /** the promotion did not go live; the old primary stays the recorded one */
        FAILED;

        String column() {
            return name().toLowerCase();
        }

        static State of(String column) {
            return valueOf(column.toUpperCase());
        }

        /** The promotion still governs where the service lives. */
        public boolean open() {
            return this == PLANNED || this == LIVE || this == FENCED || this == FAILING_BACK;
        }
    }
}
