package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

public final class CycleLedger {
    private static final String COLUMNS = "entry_id, at, run_id, canister_id, replica_id, user_principal, kind, amount, note";

    public CycleEntry record(Connection tx, CycleEntry.New entry) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO cycle_ledger (run_id, canister_id, replica_id, user_principal, kind, amount, note)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING\s""" + COLUMNS)) {
            Rows.setLong(ps, 1, entry.run());
            Rows.setPrincipal(ps, 2, entry.canister());
            Rows.setPrincipal(ps, 3, entry.replica());
            Rows.setPrincipal(ps, 4, entry.user());
            ps.setString(5, entry.kind().column());
            Rows.setBigInteger(ps, 6, entry.amount());
            ps.setString(7, entry.note());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return map(rs);
            }
        }
    }

    /** Cycles a run spent (estimates and top-ups excluded, overcounts taken off). */
    public BigInteger spentByRun(Connection tx, long runId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT COALESCE(SUM(CASE WHEN kind = 'overcount' THEN -amount"
                + " ELSE amount END), 0) AS total FROM cycle_ledger"
                + " WHERE run_id = ? AND kind NOT IN ('estimate', 'top_up', 'deposit', 'refund')")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Rows.bigInteger(rs, "total");
            }
        }
    }

    /**
     * What a run cost one replica by the ledger: its cost rows for the run less its credits, without
     * estimates (forecasts) and top-ups (cycles added to the balance, not spent).
     */
    public BigInteger spentByReplica(Connection tx, long runId, PrincipalId replica) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT COALESCE(SUM(CASE WHEN kind IN ('overcount', 'refund',"
                + " 'deposit') THEN -amount ELSE amount END), 0) AS total FROM cycle_ledger"
                + " WHERE run_id = ? AND replica_id = ? AND kind NOT IN ('estimate', 'top_up')")) {
            ps.setLong(1, runId);
            ps.setString(2, replica.text());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Rows.bigInteger(rs, "total");
            }
        }
    }

    /**
     * What each sealed run that {@code replica} took part in and that finished after {@code from}
     * and up to {@code to} cost it by the ledger ({@link #spentByReplica}), by run id, oldest first.
     * A user's storage period subtracts these from the replica's balance drop: a sealed run is
     * charged to the user as a run. A failed or cancelled run is not, so what it spent stays in
     * the balance drop.
     */
    public java.util.Map<Long, BigInteger> spentByReplicaInRunsSealed(Connection tx, PrincipalId replica, Instant from,
            Instant to) throws SQLException {
        java.util.Map<Long, BigInteger> spent = new java.util.LinkedHashMap<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT r.run_id FROM runs r JOIN run_replicas p ON p.run_id = r.run_id
                 WHERE p.replica_id = ? AND r.state = 'sealed' AND r.finished_at > ? AND r.finished_at <= ? ORDER BY r.run_id""")) {
            ps.setString(1, replica.text());
            ps.setObject(2, from.atOffset(ZoneOffset.UTC));
            ps.setObject(3, to.atOffset(ZoneOffset.UTC));
            for (long run : Rows.list(ps, rs -> rs.getLong("run_id"))) {
                spent.put(run, spentByReplica(tx, run, replica));
            }
        }
        return spent;
    }

    /**
     * Cycles the coordinator added to {@code canister} (top_up rows) after {@code from} and up to
     * {@code to}. A replica's top-up row also names its source canister, so a row counts for the
     * source only when it names no replica.
     */
    public BigInteger toppedUp(Connection tx, PrincipalId canister, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT COALESCE(SUM(amount), 0) AS total FROM cycle_ledger"
                + " WHERE kind = 'top_up' AND (replica_id = ? OR (replica_id IS NULL AND canister_id = ?))"
                + " AND at > ? AND at <= ?")) {
            ps.setString(1, canister.text());
            ps.setString(2, canister.text());
            ps.setObject(3, from.atOffset(ZoneOffset.UTC));
            ps.setObject(4, to.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Rows.bigInteger(rs, "total");
            }
        }
    }

    public List<CycleEntry> forRun(Connection tx, long runId) throws SQLException {
        List<CycleEntry> entries = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM cycle_ledger WHERE run_id = ? ORDER BY entry_id")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(map(rs));
                }
            }
        }
        return entries;
    }

    private static CycleEntry map(ResultSet rs) throws SQLException {
        return new CycleEntry(rs.getLong("entry_id"), Rows.instant(rs, "at"), Rows.optionalLong(rs, "run_id"),
                Rows.optionalPrincipal(rs, "canister_id"), Rows.optionalPrincipal(rs, "replica_id"),
                Rows.optionalPrincipal(rs, "user_principal"), CycleEntry.Kind.of(rs.getString("kind")),
                Rows.bigInteger(rs, "amount"), Optional.ofNullable(rs.getString("note")));
    }
}
