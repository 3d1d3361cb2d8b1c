package org.replicator.coordinator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Append-only record of actions; written in the same transaction as the change it describes. */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    public AuditEvent record(Connection tx, String actor, String action, String subject, Map<String, ?> detail)
            throws SQLException {
        String json;
        try {
            json = JSON.writeValueAsString(detail);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit detail is not representable as JSON", e);
        }
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO audit_events (actor, action, subject, detail)"
                + " VALUES (?, ?, ?, ?::jsonb) RETURNING event_id, at, actor, action, subject, detail::text AS detail")) {
            ps.setString(1, actor);
            ps.setString(2, action);
            ps.setString(3, subject);
            ps.setString(4, json);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return map(rs);
            }
        }
    }

    /** Events about a subject (or all when null), oldest first. */
    public List<AuditEvent> list(Connection tx, String subject) throws SQLException {
        List<AuditEvent> events = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT event_id, at, actor, action, subject, detail::text AS detail"
                + " FROM audit_events WHERE (?::text IS NULL OR subject = ?) ORDER BY event_id")) {
            ps.setString(1, subject);
            ps.setString(2, subject);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(map(rs));
                }
            }
        }
        return events;
    }

    private static AuditEvent map(ResultSet rs) throws SQLException {
        return new AuditEvent(rs.getLong("event_id"), Rows.instant(rs, "at"), rs.getString("actor"),
                rs.getString("action"), Optional.ofNullable(rs.getString("subject")), rs.getString("detail"));
    }
}
