package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * One line of a user's account. Amounts are never negative; {@link Kind#credits()} says which
 * kinds add to the balance. {@code estimate} is the fee table's figure for what {@code amount}
 * measured.
 */
public record UserEntry(
        long id,
        PrincipalId principal,
        Instant at,
        Kind kind,
        BigInteger amount,
        Optional<PrincipalId> replica,
        Optional<Long> run,
        Optional<Instant> periodStart,
        Optional<Instant> periodEnd,
        Optional<BigInteger> byteSeconds,
        Optional<Long> bytes,
        Optional<BigInteger> estimate,
        Optional<String> reference,
        Optional<String> note) {

    public enum Kind {
        /** cycles the user paid in */
        DEPOSIT,
        /** cycles given back to the user */
        REFUND,
        /** the IC's fee for creating their backup canister */
        CREATION,
        /** what one run cost their backup canister */
        RUN,
        /** what holding their generations cost over one period */
        STORAGE,
        /** the cycles their backup canister held when they took it with them */
        DETACH;

        public boolean credits() {
            return this == DEPOSIT || this == REFUND;
        }

        public String column() {
            return name().toLowerCase();
        }

        public static Kind of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    /** The amount with its sign: positive for credits, negative for charges. */
    public BigInteger signedAmount() {
        return kind.credits() ? amount : amount.negate();
    }

    /** What to record; the ledger assigns the id and time. Optional fields may be null. */
    public record New(PrincipalId principal, Kind kind, BigInteger amount, PrincipalId replica, Long run,
            Instant periodStart, Instant periodEnd, BigInteger byteSeconds, Long bytes, BigInteger estimate,
            String reference, String note) {

        public static New deposit(PrincipalId principal, BigInteger amount, String reference, String note) {
            return new New(principal, Kind.DEPOSIT, amount, null, null, null, null, null, null, null, reference, note);
        }

        public static New charge(PrincipalId principal, Kind kind, BigInteger amount, PrincipalId replica,
                BigInteger estimate, String note) {
            return new New(principal, kind, amount, replica, null, null, null, null, null, estimate, null, note);
        }
    }
}
