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
 * Balances of the canisters a run touches, read before its first sync and once it is final
 * (table {@code run_balances}). A reading is recorded at most once per run, canister and phase,
 * so a resumed run keeps the balance read before the crash.
 */
public final class RunBalances {
    private static final String COLUMNS = "run_id, canister_id, role, phase, cycles, unreadable, read_at";

    public enum Role { SOURCE, REPLICA }

    public enum Phase { BEFORE, AFTER }

    /** One reading: either {@code cycles} or why the balance could not be read. */
    public record Reading(long run, PrincipalId canister, Role role, Phase phase, Optional<BigInteger> cycles,
            Optional<String> unreadable, Instant readAt) {
    }

    /** Records a reading unless one exists for the run, canister and phase; true if this one was recorded. */
    public boolean record(Connection tx, long runId, PrincipalId canister, Role role, Phase phase, BigInteger cycles,
            String unreadable) throws SQLException {
        if ((cycles == null) == (unreadable == null)) {
            throw new IllegalArgumentException("a reading has either cycles or the reason it could not be read");
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO run_balances (run_id, canister_id, role, phase, cycles, unreadable)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, canister_id, phase) DO NOTHING""")) {
            ps.setLong(1, runId);
            ps.setString(2, canister.text());
            ps.setString(3, role.name().toLowerCase());
            ps.setString(4, phase.name().toLowerCase());
            Rows.setBigInteger(ps, 5, cycles);
            ps.setString(6, unreadable);
            return ps.executeUpdate() == 1;
        }
    }

    public List<Reading> forRun(Connection tx, long runId) throws SQLException {
        List<Reading> readings = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM run_balances WHERE run_id = ? ORDER BY role DESC, canister_id, phase DESC")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    readings.add(new Reading(rs.getLong("run_id"), Rows.principal(rs, "canister_id"),
                            Role.valueOf(rs.getString("role").toUpperCase()),
                            Phase.valueOf(rs.getString("phase").toUpperCase()),
                            Optional.ofNullable(Rows.bigInteger(rs, "cycles")),
                            Optional.ofNullable(rs.getString("unreadable")), Rows.instant(rs, "read_at")));
                }
            }
        }
        return readings;
    }

    public Optional<Reading> find(Connection tx, long runId, PrincipalId canister, Phase phase) throws SQLException {
        return forRun(tx, runId).stream().filter(r -> r.canister().equals(canister) && r.phase() == phase).findFirst();
    }

    /** Finished runs that have a reading before but none after (their coordinator stopped in between). */
    public List<Long> finishedWithoutAfter(Connection tx, PrincipalId sourceCanister) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT DISTINCT b.run_id FROM run_balances b JOIN runs r USING (run_id)
                 WHERE r.canister_id = ? AND r.finished_at IS NOT NULL AND b.phase = 'before'
                   AND NOT EXISTS (SELECT 1 FROM run_balances a WHERE a.run_id = b.run_id
                                   AND a.canister_id = b.canister_id AND a.phase = 'after')
                 ORDER BY b.run_id""")) {
            ps.setString(1, sourceCanister.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }
}
