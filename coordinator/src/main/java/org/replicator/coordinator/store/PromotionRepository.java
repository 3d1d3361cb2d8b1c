package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The {@code promotions} table: one row per failover, moved through its states by conditioned updates. */
public final class PromotionRepository {
    private static final String COLUMNS = "promotion_id, canister_id, replica_id, generation_id, old_live_canister_id,"
            + " old_subnet_id, new_live_canister_id, new_subnet_id, state, restore_id, automatic, reason, actor,"
            + " writes_not_carried, fence_note, failback_restore_id, started_at, live_at, fenced_at, failed_back_at, error";

    /** What a new promotion is; the repository assigns the id. */
    public record New(PrincipalId canister, PrincipalId replica, Long generation, PrincipalId oldLive,
            PrincipalId oldSubnet, PrincipalId newSubnet, boolean automatic, String reason, String actor) {
    }

    /**
     * Records a planned promotion; a canister with an open one violates
     * {@code promotions_one_open_per_canister}.
     */
    public Promotion plan(Connection tx, New p) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO promotions (canister_id, replica_id, generation_id, old_live_canister_id, old_subnet_id,
                                        new_subnet_id, state, automatic, reason, actor)
                VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?) RETURNING\s""" + COLUMNS)) {
            ps.setString(1, p.canister().text());
            ps.setString(2, p.replica().text());
            Rows.setLong(ps, 3, p.generation());
            ps.setString(4, p.oldLive().text());
            ps.setString(5, p.oldSubnet().text());
            ps.setString(6, p.newSubnet().text());
            ps.setBoolean(7, p.automatic());
            ps.setString(8, p.reason());
            ps.setString(9, p.actor());
            return single(ps, "promotion of " + p.canister());
        }
    }

    public Optional<Promotion> find(Connection tx, long id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM promotions WHERE promotion_id = ?")) {
            ps.setLong(1, id);
            return optional(ps);
        }
    }

    /** The canister's promotion that still governs where it lives, if any. */
    public Optional<Promotion> open(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM promotions WHERE canister_id = ?"
                + " AND state IN ('planned', 'live', 'fenced', 'failing_back')")) {
            ps.setString(1, canister.text());
            return optional(ps);
        }
    }

    /** Promotions of a canister, newest first. */
    public List<Promotion> list(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM promotions WHERE canister_id = ? ORDER BY promotion_id DESC")) {
            ps.setString(1, canister.text());
            return Rows.list(ps, PromotionRepository::map);
        }
    }

    public Promotion restoreStarted(Connection tx, long id, long restoreId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET restore_id = ? WHERE promotion_id = ?"
                + " AND state = 'planned' RETURNING " + COLUMNS)) {
            ps.setLong(1, restoreId);
            ps.setLong(2, id);
            return single(ps, "planned promotion " + id);
        }
    }

    /** planned → live: {@code newLive} holds the generation, checked, and serves from now on. */
    public Promotion live(Connection tx, long id, PrincipalId newLive) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET state = 'live', new_live_canister_id = ?,"
                + " live_at = now() WHERE promotion_id = ? AND state = 'planned' RETURNING " + COLUMNS)) {
            ps.setString(1, newLive.text());
            ps.setLong(2, id);
            return single(ps, "planned promotion " + id);
        }
    }

    /** live → fenced, with what the old primary had written that no generation holds (null: unknown). */
    public Promotion fenced(Connection tx, long id, Integer writesNotCarried, String note) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET state = 'fenced', fenced_at = now(),"
                + " writes_not_carried = ?, fence_note = ? WHERE promotion_id = ? AND state = 'live' RETURNING "
                + COLUMNS)) {
            if (writesNotCarried == null) {
                ps.setNull(1, java.sql.Types.INTEGER);
            } else {
                ps.setInt(1, writesNotCarried);
            }
            ps.setString(2, note);
            ps.setLong(3, id);
            return single(ps, "live promotion " + id);
        }
    }

    /** Notes the latest attempt to fence that could not reach the old primary. */
    public void fenceAttempted(Connection tx, long id, String note) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE promotions SET fence_note = ? WHERE promotion_id = ? AND state = 'live'")) {
            ps.setString(1, note);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    /** fenced → failing_back. */
    public Promotion failingBack(Connection tx, long id) throws SQLException {
        return transition(tx, id, Promotion.State.FENCED, Promotion.State.FAILING_BACK);
    }

    public Promotion failbackRestoreStarted(Connection tx, long id, long restoreId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET failback_restore_id = ? WHERE"
                + " promotion_id = ? AND state = 'failing_back' RETURNING " + COLUMNS)) {
            ps.setLong(1, restoreId);
            ps.setLong(2, id);
            return single(ps, "promotion " + id + " failing back");
        }
    }

    /** Forgets a fail-back restore that failed, so the next attempt starts another. */
    public Promotion failbackRestoreFailed(Connection tx, long id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET failback_restore_id = NULL WHERE"
                + " promotion_id = ? AND state = 'failing_back' RETURNING " + COLUMNS)) {
            ps.setLong(1, id);
            return single(ps, "promotion " + id + " failing back");
        }
    }

    /** failing_back → failed_back: the original serves again. */
    public Promotion failedBack(Connection tx, long id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET state = 'failed_back', failed_back_at ="
                + " now() WHERE promotion_id = ? AND state = 'failing_back' RETURNING " + COLUMNS)) {
            ps.setLong(1, id);
            return single(ps, "promotion " + id + " failing back");
        }
    }

    /** planned → failed: the new canister never went live. */
    public Promotion fail(Connection tx, long id, String error) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET state = 'failed', error = ?"
                + " WHERE promotion_id = ? AND state = 'planned' RETURNING " + COLUMNS)) {
            ps.setString(1, error);
            ps.setLong(2, id);
            return single(ps, "planned promotion " + id);
        }
    }

    private Promotion transition(Connection tx, long id, Promotion.State from, Promotion.State to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE promotions SET state = ? WHERE promotion_id = ?"
                + " AND state = ? RETURNING " + COLUMNS)) {
            ps.setString(1, to.column());
            ps.setLong(2, id);
            ps.setString(3, from.column());
            return single(ps, "promotion " + id + " in state " + from.column());
        }
    }

    private static Optional<Promotion> optional(PreparedStatement ps) throws SQLException {
        return Rows.first(ps, PromotionRepository::map);
    }

    private static Promotion single(PreparedStatement ps, String expected) throws SQLException {
        return Rows.single(ps, PromotionRepository::map, expected);
    }

    private static Promotion map(ResultSet rs) throws SQLException {
        return new Promotion(rs.getLong("promotion_id"), Rows.principal(rs, "canister_id"),
                Rows.principal(rs, "replica_id"), Rows.optionalLong(rs, "generation_id"),
                Rows.principal(rs, "old_live_canister_id"), Rows.principal(rs, "old_subnet_id"),
                Rows.optionalPrincipal(rs, "new_live_canister_id"), Rows.principal(rs, "new_subnet_id"),
                Promotion.State.of(rs.getString("state")), Rows.optionalLong(rs, "restore_id"),
                rs.getBoolean("automatic"), rs.getString("reason"), rs.getString("actor"),
                Rows.optionalInt(rs, "writes_not_carried"), Optional.ofNullable(rs.getString("fence_note")),
                Rows.optionalLong(rs, "failback_restore_id"), Rows.instant(rs, "started_at"),
                Rows.optionalInstant(rs, "live_at"), Rows.optionalInstant(rs, "fenced_at"),
                Rows.optionalInstant(rs, "failed_back_at"), Optional.ofNullable(rs.getString("error")));
    }
}
