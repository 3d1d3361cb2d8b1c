package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * One restore of a sealed generation into the original canister or a new one. The state says what
 * has been done for sure; {@code replicator restore} resumes an unfinished one from it.
 */
public record RestoreRecord(
        long id,
        PrincipalId canister,
        long generation,
        PrincipalId replica,
        Target target,
        Optional<PrincipalId> targetCanister,
        Optional<PrincipalId> targetSubnet,
        Digest root,
        long size,
        int chunkCount,
        boolean forced,
        Optional<Integer> writesOverwritten,
        Optional<Instant> pushRequestedAt,
        Optional<BigInteger> replicaCyclesBefore,
        State state,
        Optional<Boolean> verified,
        Instant startedAt,
        Optional<Instant> finishedAt,
        Optional<String> error) {

    public enum Target {
        ORIGINAL, NEW;

        String column() {
            return name().toLowerCase();
        }

        static Target of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    public enum State {
        /** recorded; nothing asked of the IC yet */
        PLANNED,
        /** a new target canister is being created and given the source's module */
        CREATING,
        /** the backup canister pushes the generation into the target */
        WRITING,
        /** the target committed; its image root is being compared with the generation's */
        VERIFYING,
        DONE,
        /** the restore could not be done; the target kept (or got back) its previous state */
        FAILED,
        /** the backup canister gave up after staging and aborted the staged image in the target */
        ROLLED_BACK;

        public boolean finished() {
            return this == DONE || this == FAILED || this == ROLLED_BACK;
        }

        String column() {
            return name().toLowerCase();
        }

        static State of(String column) {
            return valueOf(column.toUpperCase());
        }
    }
}
