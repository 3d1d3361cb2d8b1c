package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * One line of the cycle ledger. Amounts are never negative; {@link Kind#credits()} says which
 * kinds add to a balance.
 */
public record CycleEntry(
        long id,
        Instant at,
        Optional<Long> run,
        Optional<PrincipalId> canister,
        Optional<PrincipalId> replica,
        Optional<PrincipalId> user,
        Kind kind,
        BigInteger amount,
        Optional<String> note) {

    public enum Kind {
        /** a forecast from the fee table, not money spent */
        ESTIMATE,
        EXECUTION,
        TRANSFER,
        STORAGE,
        CREATION,
        TOP_UP,
        RESTORE,
        DEPOSIT,
        REFUND,
        /**
         * what a replica's balance fell during a run beyond its own counter (ingress, idle
         * storage, execution the counter does not see)
         */
        OVERHEAD,
        /** what a replica's balance fell less than its own counter says */
        OVERCOUNT;

        public boolean credits() {
            return this == DEPOSIT || this == REFUND || this == OVERCOUNT;
        }

        String column() {
            return name().toLowerCase();
        }

        static Kind of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    /** What to record; the ledger assigns the id and time. */
    public record New(Long run, PrincipalId canister, PrincipalId replica, PrincipalId user, Kind kind, BigInteger amount,
            String note) {
    }
}
