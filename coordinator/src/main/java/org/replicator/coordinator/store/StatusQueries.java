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
    /**
     * The ledger rows that are cycles consumed, as measured (alias {@code l}): forecasts and what was
     * put in (creation, top-ups) are not, and an overcount is a correction that counts against.
     */
    private static final String CONSUMED_KINDS =
            "l.kind IN ('execution', 'transfer', 'storage', 'restore', 'overhead', 'overcount')";
    private static final String CONSUMED = "sum(CASE WHEN l.kind = 'overcount' THEN -l.amount ELSE l.amount END)";

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
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT r.source_canister_id AS canister, max(g.sealed_at) AS at FROM generations g
                  JOIN replicas r ON r.replica_id = g.replica_id
                  JOIN canisters c ON c.canister_id = r.source_canister_id AND c.removed_at IS NULL
                 WHERE g.sealed_at IS NOT NULL GROUP BY 1 ORDER BY 1""")) {
            return Rows.list(ps, rs -> new LastSealed(rs.getString("canister"), Rows.instant(rs, "at")));
        }
    }

    public List<Spent> spent(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT l.canister_id AS canister, " + CONSUMED + " AS cycles"
                + " FROM cycle_ledger l"
                + " JOIN canisters c ON c.canister_id = l.canister_id AND c.removed_at IS NULL"
                + " WHERE " + CONSUMED_KINDS + " GROUP BY 1 ORDER BY 1")) {
            return Rows.list(ps, rs -> new Spent(rs.getString("canister"), Rows.bigInteger(rs, "cycles")));
        }
    }

    /** The newest run of a canister, if it has one. */
    public Optional<Run> latestRun(Connection tx, ProtectedCanister canister) throws SQLException {
        return new RunRepository().listRecent(tx, canister.id(), 1).stream().findFirst();
    }

    private static List<CountByState> counts(Connection tx, String sql) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            return Rows.list(ps, rs -> new CountByState(rs.getString(1), rs.getString(2), rs.getLong(3)));
        }
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
        try (PreparedStatement ps = tx.prepareStatement("SELECT r.run_id, r.kind, r.state, r.finished_at,"
                + " coalesce(" + CONSUMED + ", 0) AS cycles"
                + " FROM runs r LEFT JOIN cycle_ledger l ON l.run_id = r.run_id AND " + CONSUMED_KINDS
                + " WHERE r.canister_id = ? GROUP BY r.run_id ORDER BY r.run_id DESC LIMIT ?")) {
            ps.setString(1, canister.text());
            ps.setInt(2, limit);
            List<RunCost> newestFirst = Rows.list(ps, rs -> new RunCost(rs.getLong("run_id"), rs.getString("kind"),
                    rs.getString("state"), Rows.optionalInstant(rs, "finished_at"), Rows.bigInteger(rs, "cycles")));
            List<RunCost> out = new ArrayList<>(newestFirst);
            java.util.Collections.reverse(out);
            return out;
        }
    }
}
