package org.replicator.coordinator.schedule;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The {@code schedules} table (V6): what the user asked for, one row per canister. */
public final class ScheduleRepository {
    private static final String COLUMNS = "canister_id, cron, every_seconds, full_every_seconds, keep_last, keep_daily,"
            + " keep_weekly, paused";

    public Schedule upsert(Connection tx, Schedule s) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO schedules (canister_id, cron, every_seconds, full_every_seconds, keep_last, keep_daily,
                                       keep_weekly, paused)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (canister_id) DO UPDATE SET cron = EXCLUDED.cron, every_seconds = EXCLUDED.every_seconds,
                    full_every_seconds = EXCLUDED.full_every_seconds, keep_last = EXCLUDED.keep_last,
                    keep_daily = EXCLUDED.keep_daily, keep_weekly = EXCLUDED.keep_weekly, paused = EXCLUDED.paused,
                    updated_at = now()
                RETURNING\s""" + COLUMNS)) {
            ps.setString(1, s.canister().text());
            ps.setString(2, s.cron().orElse(null));
            setSeconds(ps, 3, s.every());
            setSeconds(ps, 4, s.fullEvery());
            ps.setInt(5, s.retention().last());
            ps.setInt(6, s.retention().daily());
            ps.setInt(7, s.retention().weekly());
            ps.setBoolean(8, s.paused());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return map(rs);
            }
        }
    }

    public Optional<Schedule> find(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM schedules WHERE canister_id = ?")) {
            ps.setString(1, canister.text());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public List<Schedule> list(Connection tx) throws SQLException {
        List<Schedule> out = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM schedules ORDER BY canister_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(map(rs));
            }
        }
        return out;
    }

    public boolean setPaused(Connection tx, PrincipalId canister, boolean paused) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE schedules SET paused = ?, updated_at = now() WHERE canister_id = ?")) {
            ps.setBoolean(1, paused);
            ps.setString(2, canister.text());
            return ps.executeUpdate() == 1;
        }
    }

    public boolean delete(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("DELETE FROM schedules WHERE canister_id = ?")) {
            ps.setString(1, canister.text());
            return ps.executeUpdate() == 1;
        }
    }

    /** When the canister's newest sealed full run finished, if it has one. */
    public Optional<java.time.Instant> lastFullSealedAt(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT max(finished_at) FROM runs WHERE canister_id = ?"
                + " AND kind = 'full' AND state = 'sealed'")) {
            ps.setString(1, canister.text());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                java.sql.Timestamp t = rs.getTimestamp(1);
                return Optional.ofNullable(t).map(java.sql.Timestamp::toInstant);
            }
        }
    }

    private static void setSeconds(PreparedStatement ps, int i, Optional<Duration> d) throws SQLException {
        if (d.isPresent()) {
            ps.setLong(i, d.get().toSeconds());
        } else {
            ps.setNull(i, java.sql.Types.BIGINT);
        }
    }

    private static Optional<Duration> seconds(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Duration.ofSeconds(v));
    }

    private static Schedule map(ResultSet rs) throws SQLException {
        return new Schedule(new PrincipalId(rs.getString("canister_id")), Optional.ofNullable(rs.getString("cron")),
                seconds(rs, "every_seconds"), seconds(rs, "full_every_seconds"),
                new RetentionPolicy(rs.getInt("keep_last"), rs.getInt("keep_daily"), rs.getInt("keep_weekly")),
                rs.getBoolean("paused"));
    }
}
