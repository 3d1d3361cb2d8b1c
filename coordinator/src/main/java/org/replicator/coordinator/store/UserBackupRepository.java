package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The {@code user_backups} table: users' backup canisters and their schedules. */
public final class UserBackupRepository {
    private static final String COLUMNS = "replica_id, principal, canister_id, every_seconds, cron, full_every_seconds,"
            + " keep_last, state, requested_at, detached_at, storage_read_at, storage_read_balance, storage_read_bytes";

    public UserBackup insert(Connection tx, PrincipalId replica, PrincipalId principal, PrincipalId canister,
            Duration every, String cron, Duration fullEvery, int keepLast) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO user_backups (replica_id, principal, canister_id, every_seconds, cron, full_every_seconds,
                                          keep_last, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'active') RETURNING\s""" + COLUMNS)) {
            ps.setString(1, replica.text());
            ps.setString(2, principal.text());
            ps.setString(3, canister.text());
            Rows.setLong(ps, 4, every == null ? null : every.toSeconds());
            ps.setString(5, cron);
            Rows.setLong(ps, 6, fullEvery == null ? null : fullEvery.toSeconds());
            ps.setInt(7, keepLast);
            return Rows.single(ps, UserBackupRepository::map, "user backup " + replica);
        }
    }

    public Optional<UserBackup> find(Connection tx, PrincipalId replica) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM user_backups WHERE replica_id = ?")) {
            ps.setString(1, replica.text());
            return Rows.first(ps, UserBackupRepository::map);
        }
    }

    /** The user's backups, oldest first, whatever their state. */
    public List<UserBackup> ofUser(Connection tx, PrincipalId principal) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM user_backups WHERE principal = ?"
                + " ORDER BY requested_at, replica_id")) {
            ps.setString(1, principal.text());
            return Rows.list(ps, UserBackupRepository::map);
        }
    }

    /** Backups the coordinator still holds (active or paused), oldest first. */
    public List<UserBackup> held(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM user_backups"
                + " WHERE state IN ('active', 'paused') ORDER BY requested_at, replica_id")) {
            return Rows.list(ps, UserBackupRepository::map);
        }
    }

    /** Moves the backup from {@code from} to {@code to}; a backup not in {@code from} is a {@link StaleStateException}. */
    public UserBackup transition(Connection tx, PrincipalId replica, UserBackup.State from, UserBackup.State to)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE user_backups SET state = ?,"
                + " detached_at = CASE WHEN ? = 'detached' THEN now() ELSE detached_at END"
                + " WHERE replica_id = ? AND state = ? RETURNING " + COLUMNS)) {
            ps.setString(1, to.column());
            ps.setString(2, to.column());
            ps.setString(3, replica.text());
            ps.setString(4, from.column());
            return Rows.single(ps, UserBackupRepository::map, from.column() + " user backup " + replica);
        }
    }

    /** When the newest sealed full run into this replica finished, if any. */
    public Optional<Instant> lastFullSealedAt(Connection tx, PrincipalId replica) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT max(r.finished_at) AS at FROM runs r"
                + " JOIN run_replicas p ON p.run_id = r.run_id"
                + " WHERE p.replica_id = ? AND r.kind = 'full' AND p.state = 'sealed'")) {
            ps.setString(1, replica.text());
            return Rows.first(ps, rs -> Rows.optionalInstant(rs, "at")).flatMap(at -> at);
        }
    }

    public void recordStorageReading(Connection tx, PrincipalId replica, UserBackup.StorageReading reading)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE user_backups SET storage_read_at = ?,"
                + " storage_read_balance = ?, storage_read_bytes = ? WHERE replica_id = ?")) {
            ps.setObject(1, reading.at().atOffset(ZoneOffset.UTC));
            Rows.setBigInteger(ps, 2, reading.balance());
            ps.setLong(3, reading.bytes());
            ps.setString(4, replica.text());
            ps.executeUpdate();
        }
    }

    private static UserBackup map(ResultSet rs) throws SQLException {
        Optional<Instant> readAt = Rows.optionalInstant(rs, "storage_read_at");
        Optional<UserBackup.StorageReading> reading = readAt.isEmpty() ? Optional.empty()
                : Optional.of(new UserBackup.StorageReading(readAt.get(), Rows.bigInteger(rs, "storage_read_balance"),
                        rs.getLong("storage_read_bytes")));
        return new UserBackup(Rows.principal(rs, "replica_id"), Rows.principal(rs, "principal"),
                Rows.principal(rs, "canister_id"), Rows.optionalLong(rs, "every_seconds").map(Duration::ofSeconds),
                Optional.ofNullable(rs.getString("cron")),
                Rows.optionalLong(rs, "full_every_seconds").map(Duration::ofSeconds), rs.getInt("keep_last"),
                UserBackup.State.of(rs.getString("state")), Rows.instant(rs, "requested_at"),
                Rows.optionalInstant(rs, "detached_at"), reading);
    }
}
