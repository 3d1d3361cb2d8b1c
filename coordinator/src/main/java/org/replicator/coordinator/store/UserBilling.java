package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The queries the storage billing sweep asks of the database beyond the users' own tables. */
public final class UserBilling {
    /** A paused user whose deletion date has passed and who was given the deletion notice for this pause. */
    public record DueForDeletion(PrincipalId user, Instant deletionDueAt, Instant noticeAt) {
    }

    /** The database's clock now (not the transaction's start): the time a reading is taken at. */
    public Instant now(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT clock_timestamp() AS now")) {
            return Rows.single(ps, rs -> Rows.instant(rs, "now"), "the time");
        }
    }

    /**
     * The oldest unfinished run the replica takes part in, if any. Its balance window is open:
     * a storage reading taken inside it would split the run's spend between two periods.
     */
    public Optional<Long> unfinishedRunOf(Connection tx, PrincipalId replica) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT r.run_id FROM runs r JOIN run_replicas p"
                + " ON p.run_id = r.run_id WHERE p.replica_id = ? AND r.finished_at IS NULL ORDER BY r.run_id LIMIT 1")) {
            ps.setString(1, replica.text());
            return Rows.first(ps, rs -> rs.getLong("run_id"));
        }
    }

    /**
     * Paused users whose {@code deletion_due_at} is past by the database's clock and who have a
     * {@code user.deletion_notice} audit event (subject: the user) written since they were paused.
     * A user past the date without that notice is not listed: nothing of theirs is deleted unseen.
     */
    public List<DueForDeletion> dueForDeletion(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT u.principal, u.deletion_due_at, n.at AS notice_at FROM users u
                  JOIN LATERAL (SELECT max(e.at) AS at FROM audit_events e WHERE e.action = 'user.deletion_notice'
                                 AND e.subject = u.principal AND e.at >= u.status_since) n ON n.at IS NOT NULL
                 WHERE u.status = 'paused' AND u.deletion_due_at IS NOT NULL AND u.deletion_due_at <= clock_timestamp()
                 ORDER BY u.deletion_due_at, u.principal""")) {
            return Rows.list(ps, rs -> new DueForDeletion(Rows.principal(rs, "principal"),
                    Rows.instant(rs, "deletion_due_at"), Rows.instant(rs, "notice_at")));
        }
    }

    /** Paused users past their deletion date without a notice since they were paused: reported, never deleted. */
    public List<PrincipalId> dueWithoutNotice(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT u.principal FROM users u
                 WHERE u.status = 'paused' AND u.deletion_due_at IS NOT NULL AND u.deletion_due_at <= clock_timestamp()
                   AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'user.deletion_notice'
                                    AND e.subject = u.principal AND e.at >= u.status_since)
                 ORDER BY u.principal""")) {
            return Rows.list(ps, rs -> Rows.principal(rs, "principal"));
        }
    }
}
