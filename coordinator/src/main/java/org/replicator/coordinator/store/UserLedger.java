package org.replicator.coordinator.store;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The {@code user_ledger} table: each user's deposits and charges, and the balance they add up to. */
public final class UserLedger {
    static final String COLUMNS = "entry_id, principal, at, kind, amount, replica_id, run_id, period_start,"
            + " period_end, byte_seconds, bytes, estimate, reference, note";

    /**
     * Records an entry. A second charge for the same run and replica, or a second deposit with the
     * same reference, violates {@code user_ledger_run_once} / {@code user_ledger_reference_once}.
     */
    public UserEntry record(Connection tx, UserEntry.New e) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO user_ledger (principal, kind, amount, replica_id, run_id, period_start, period_end,
                                         byte_seconds, bytes, estimate, reference, note)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING\s""" + COLUMNS)) {
            ps.setString(1, e.principal().text());
            ps.setString(2, e.kind().column());
            Rows.setBigInteger(ps, 3, e.amount());
            Rows.setPrincipal(ps, 4, e.replica());
            Rows.setLong(ps, 5, e.run());
            Rows.setInstant(ps, 6, e.periodStart());
            Rows.setInstant(ps, 7, e.periodEnd());
            Rows.setBigInteger(ps, 8, e.byteSeconds());
            Rows.setLong(ps, 9, e.bytes());
            Rows.setBigInteger(ps, 10, e.estimate());
            ps.setString(11, e.reference());
            ps.setString(12, e.note());
            return Rows.single(ps, UserLedger::map, "ledger entry");
        }
    }

    /** Credits less charges: what the user has left. Negative when charges outran their deposits. */
    public BigInteger balance(Connection tx, PrincipalId principal) throws SQLException {
        return balanceBefore(tx, principal, null);
    }

    /** The balance just before {@code at} (null: now): a statement's opening balance. */
    public BigInteger balanceBefore(Connection tx, PrincipalId principal, Instant at) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT COALESCE(SUM(CASE WHEN kind IN ('deposit', 'refund')"
                + " THEN amount ELSE -amount END), 0) AS balance FROM user_ledger WHERE principal = ?"
                + " AND (?::timestamptz IS NULL OR at < ?::timestamptz)")) {
            ps.setString(1, principal.text());
            Rows.setInstant(ps, 2, at);
            Rows.setInstant(ps, 3, at);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Rows.bigInteger(rs, "balance");
            }
        }
    }

    /** The user's entries from {@code from} (inclusive) to {@code to} (exclusive), oldest first; null bounds are open. */
    public List<UserEntry> entries(Connection tx, PrincipalId principal, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM user_ledger WHERE principal = ?"
                + " AND (?::timestamptz IS NULL OR at >= ?::timestamptz) AND (?::timestamptz IS NULL OR at < ?::timestamptz)"
                + " ORDER BY at, entry_id")) {
            ps.setString(1, principal.text());
            Rows.setInstant(ps, 2, from);
            Rows.setInstant(ps, 3, from);
            Rows.setInstant(ps, 4, to);
            Rows.setInstant(ps, 5, to);
            return Rows.list(ps, UserLedger::map);
        }
    }

    /** Every user's entries in the period, oldest first; null bounds are open. */
    public List<UserEntry> allEntries(Connection tx, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM user_ledger WHERE"
                + " (?::timestamptz IS NULL OR at >= ?::timestamptz) AND (?::timestamptz IS NULL OR at < ?::timestamptz)"
                + " ORDER BY at, entry_id")) {
            Rows.setInstant(ps, 1, from);
            Rows.setInstant(ps, 2, from);
            Rows.setInstant(ps, 3, to);
            Rows.setInstant(ps, 4, to);
            return Rows.list(ps, UserLedger::map);
        }
    }

    /** The user's deposit recorded with this reference, if any. */
    public Optional<UserEntry> deposit(Connection tx, PrincipalId principal, String reference) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM user_ledger WHERE principal = ?"
                + " AND reference = ?")) {
            ps.setString(1, principal.text());
            ps.setString(2, reference);
            return Rows.first(ps, UserLedger::map);
        }
    }

    /** A sealed run into a user's backup canister not charged yet. */
    public record Uncharged(long run, PrincipalId replica) {
    }

    /** Sealed runs into users' backup canisters that have no charge yet, oldest first. */
    public List<Uncharged> uncharged(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT p.run_id, p.replica_id FROM run_replicas p
                  JOIN replicas r ON r.replica_id = p.replica_id AND r.owner_principal IS NOT NULL
                 WHERE p.state = 'sealed'
                   AND NOT EXISTS (SELECT 1 FROM user_ledger l WHERE l.kind = 'run' AND l.run_id = p.run_id
                                      AND l.replica_id = p.replica_id)
                 ORDER BY p.run_id""")) {
            return Rows.list(ps, rs -> new Uncharged(rs.getLong("run_id"), Rows.principal(rs, "replica_id")));
        }
    }

    /** Whether the run was already charged to the replica's user. */
    public boolean runCharged(Connection tx, long run, PrincipalId replica) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT 1 FROM user_ledger WHERE kind = 'run' AND run_id = ? AND replica_id = ?")) {
            ps.setLong(1, run);
            ps.setString(2, replica.text());
            return Rows.first(ps, rs -> true).isPresent();
        }
    }


    private static Optional<BigInteger> optionalBig(ResultSet rs, String column) throws SQLException {
        BigDecimal d = rs.getBigDecimal(column);
        return d == null ? Optional.empty() : Optional.of(d.toBigIntegerExact());
    }

    static UserEntry map(ResultSet rs) throws SQLException {
        return new UserEntry(rs.getLong("entry_id"), Rows.principal(rs, "principal"), Rows.instant(rs, "at"),
                UserEntry.Kind.of(rs.getString("kind")), Rows.bigInteger(rs, "amount"),
                Rows.optionalPrincipal(rs, "replica_id"), Rows.optionalLong(rs, "run_id"),
                Rows.optionalInstant(rs, "period_start"), Rows.optionalInstant(rs, "period_end"),
                optionalBig(rs, "byte_seconds"), Rows.optionalLong(rs, "bytes"), optionalBig(rs, "estimate"),
                Optional.ofNullable(rs.getString("reference")), Optional.ofNullable(rs.getString("note")));
    }
}
