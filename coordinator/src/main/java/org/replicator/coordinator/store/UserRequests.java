package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;

/** The {@code user_requests} table: every state-changing request of a user, counted for rate limits. */
public final class UserRequests {
    public void record(Connection tx, String principal, String action, boolean accepted, String detail)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO user_requests (principal, action, accepted, detail) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, principal);
            ps.setString(2, action);
            ps.setBoolean(3, accepted);
            ps.setString(4, detail);
            ps.executeUpdate();
        }
    }

    /** Requests the principal made since {@code since}, accepted or not. */
    public int countSince(Connection tx, String principal, Instant since) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT count(*) AS n FROM user_requests WHERE principal = ? AND at > ?")) {
            ps.setString(1, principal);
            ps.setObject(2, since.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt("n");
            }
        }
    }
}
