package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The {@code users} table: who may hold backup canisters, their limits and their account's state. */
public final class UserRepository {
    private static final String COLUMNS = "principal, status, max_backups, max_requests_per_hour, warn_below,"
            + " created_at, status_since, deletion_due_at";

    /** The user, created with the default limits if new. */
    public User ensure(Connection tx, PrincipalId principal) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO users (principal) VALUES (?) ON CONFLICT (principal) DO NOTHING")) {
            ps.setString(1, principal.text());
            ps.executeUpdate();
        }
        return find(tx, principal).orElseThrow();
    }

    public Optional<User> find(Connection tx, PrincipalId principal) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE principal = ?")) {
            ps.setString(1, principal.text());
            return Rows.first(ps, UserRepository::map);
        }
    }

    /** The user's row, locked until the transaction ends: account changes of one user happen one at a time. */
    public Optional<User> lock(Connection tx, PrincipalId principal) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE principal = ? FOR UPDATE")) {
            ps.setString(1, principal.text());
            return Rows.first(ps, UserRepository::map);
        }
    }

    public List<User> list(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM users ORDER BY created_at, principal")) {
            return Rows.list(ps, UserRepository::map);
        }
    }

    public User setLimits(Connection tx, PrincipalId principal, Integer maxBackups, Integer maxRequestsPerHour,
            BigInteger warnBelow) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE users SET max_backups = COALESCE(?, max_backups),"
                + " max_requests_per_hour = COALESCE(?, max_requests_per_hour), warn_below = COALESCE(?, warn_below)"
                + " WHERE principal = ? RETURNING " + COLUMNS)) {
            Rows.setLong(ps, 1, maxBackups == null ? null : maxBackups.longValue());
            Rows.setLong(ps, 2, maxRequestsPerHour == null ? null : maxRequestsPerHour.longValue());
            Rows.setBigInteger(ps, 3, warnBelow);
            ps.setString(4, principal.text());
            return Rows.single(ps, UserRepository::map, "user " + principal);
        }
    }

    /**
     * Moves the user to {@code status}. A paused user gets a deletion date {@code grace} from now
     * (by the database clock) unless they already have one; any other status clears it.
     */
    public User setStatus(Connection tx, PrincipalId principal, User.Status status, Duration grace) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE users SET status = ?,"
                + " deletion_due_at = CASE WHEN ? THEN COALESCE(deletion_due_at, now() + ? * interval '1 millisecond')"
                + " ELSE NULL END,"
                + " status_since = CASE WHEN status = ? THEN status_since ELSE now() END"
                + " WHERE principal = ? RETURNING " + COLUMNS)) {
            boolean paused = status == User.Status.PAUSED;
            ps.setString(1, status.column());
            ps.setBoolean(2, paused);
            ps.setLong(3, paused ? grace.toMillis() : 0);
            ps.setString(4, status.column());
            ps.setString(5, principal.text());
            return Rows.single(ps, UserRepository::map, "user " + principal);
        }
    }

    private static User map(ResultSet rs) throws SQLException {
        return new User(Rows.principal(rs, "principal"), User.Status.of(rs.getString("status")), rs.getInt("max_backups"),
                rs.getInt("max_requests_per_hour"), Rows.bigInteger(rs, "warn_below"), Rows.instant(rs, "created_at"),
                Rows.instant(rs, "status_since"), Rows.optionalInstant(rs, "deletion_due_at"));
    }
}
