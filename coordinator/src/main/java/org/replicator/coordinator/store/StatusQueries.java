package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Read-only summaries for the status server and its metrics: one query per figure, over the whole
 * database, so a scrape costs a handful of statements however many canisters there are.
 */
public final class StatusQueries {

    /** How many of a canister's replicas (or its runs) are in one state. */
    public record CountByState(String canister, String state, long count) {
    }

    /** When a canister's newest generation was sealed. */
    public record LastSealed(String canister, Instant at) {
    }

    /**
     * Cycles a canister's runs and restores consumed so far, as measured (execution, transfer,
     * storage, restore, overhead, less overcounts); what was put in (creation, top-ups) and forecasts
     * are left out.
     */
    public record Spent(String canister, BigInteger cycles) {
    }

    public List<CountByState> replicasByState(Connection tx) throws SQLException {
        return counts(tx, """
                SELECT r.source_canister_id, r.status, count(*) FROM replicas r
                  JOIN canisters c ON c.canister_id = r.source_canister_id AND c.removed_at IS NULL
                 GROUP BY 1, 2 ORDER BY 1, 2""");
    }

    public List<CountByState> runsByState(Connection tx) throws SQLException {
        return counts(tx, """
                SELECT r.canister_id, r.state, count(*) FROM runs r
                  JOIN canisters c ON c.canister_id = r.canister_id AND c.removed_at IS NULL
                 GROUP BY 1, 2 ORDER BY 1, 2""");
    }

    public List<LastSealed> lastSealed(Connection tx) throws SQLException {
        List<LastSealed> out = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT r.source_canister_id, max(g.sealed_at) FROM generations g
                  JOIN replicas r ON r.replica_id = g.replica_id
                  JOIN canisters c ON c.canister_id = r.source_canister_id AND c.removed_at IS NULL
                 WHERE g.sealed_at IS NOT NULL GROUP BY 1 ORDER BY 1""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new LastSealed(rs.getString(1), rs.getTimestamp(2).toInstant()));
            }
        }
        return out;
    }

    public List<Spent> spent(Connection tx) throws SQLException {
        List<Spent> out = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT l.canister_id, sum(CASE WHEN l.kind = 'overcount' THEN -l.amount ELSE l.amount END)
                  FROM cycle_ledger l
                  JOIN canisters c ON c.canister_id = l.canister_id AND c.removed_at IS NULL
                 WHERE l.kind IN ('execution', 'transfer', 'storage', 'restore', 'overhead', 'overcount')
                 GROUP BY 1 ORDER BY 1""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Spent(rs.getString(1), new java.math.BigDecimal(rs.getString(2)).toBigIntegerExact()));
            }
        }
        return out;
    }

    /** The newest run of a canister, if it has one. */
    public Optional<Run> latestRun(Connection tx, ProtectedCanister canister) throws SQLException {
        return new RunRepository().listRecent(tx, canister.id(), 1).stream().findFirst();
    }

    private static List<CountByState> counts(Connection tx, String sql) throws SQLException {
        List<CountByState> out = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new CountByState(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
        }
        return out;
    }

    /** How far a run's replicas have pulled, summed over them, as their backup canisters last reported it. */
    public record Progress(long chunksDone, long chunksTotal) {
    }

    public Progress progress(Connection tx, long runId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT coalesce(sum(chunks_done), 0),"
                + " coalesce(sum(chunks_total), 0) FROM run_replicas WHERE run_id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Progress(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    /** When Quartz fires the canister's schedule next (its trigger, read as it is stored). */
    public Optional<Instant> nextFire(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT next_fire_time FROM qrtz_triggers WHERE trigger_name = ?"
                + " AND trigger_group = 'replication' AND trigger_state <> 'PAUSED'")) {
            ps.setString(1, canister.text());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long millis = rs.getLong(1);
                return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
            }
        }
    }

    /** What each of a canister's latest runs cost, as measured, oldest first. */
    public record RunCost(long run, String kind, String state, Optional<Instant> finishedAt, BigInteger cycles) {
    }

    public List<RunCost> runCosts(Connection tx, PrincipalId canister, int limit) throws SQLException {
        List<RunCost> out = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT r.run_id, r.kind, r.state, r.finished_at,
                       coalesce(sum(CASE WHEN l.kind = 'overcount' THEN -l.amount ELSE l.amount END), 0)
                  FROM runs r LEFT JOIN cycle_ledger l ON l.run_id = r.run_id
                       AND l.kind IN ('execution', 'transfer', 'storage', 'restore', 'overhead', 'overcount')
                 WHERE r.canister_id = ?
                 GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT ?""")) {
            ps.setString(1, canister.text());
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    java.sql.Timestamp t = rs.getTimestamp(4);
                    out.add(0, new RunCost(rs.getLong(1), rs.getString(2), rs.getString(3),
                            Optional.ofNullable(t).map(java.sql.Timestamp::toInstant),
                            new java.math.BigDecimal(rs.getString(5)).toBigIntegerExact()));
                }
            }
        }
        return out;
    }
}
