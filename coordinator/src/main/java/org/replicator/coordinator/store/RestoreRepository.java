package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** The {@code restores} table: one row per restore, moved through its states by conditioned updates. */
public final class RestoreRepository {
    private static final String COLUMNS = "restore_id, canister_id, generation_id, replica_id, target_kind,"
            + " target_canister_id, target_subnet_id, image_root, image_size, chunk_count, forced, writes_overwritten,"
            + " push_requested_at, replica_cycles_before, state, verified, started_at, finished_at, error";

    /** What a new restore is; the repository assigns the id. */
    public record New(PrincipalId canister, long generation, PrincipalId replica, RestoreRecord.Target target,
            PrincipalId targetCanister, PrincipalId targetSubnet, Digest root, long size, int chunkCount, boolean forced,
            Integer writesOverwritten, String actor) {
    }

    /** Records a planned restore; a canister with an unfinished one violates {@code restores_one_open_per_canister}. */
    public RestoreRecord plan(Connection tx, New r) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO restores (canister_id, generation_id, replica_id, target_kind, target_canister_id,
                                      target_subnet_id, image_root, image_size, chunk_count, forced,
                                      writes_overwritten, state, actor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?) RETURNING\s""" + COLUMNS)) {
            ps.setString(1, r.canister().text());
            ps.setLong(2, r.generation());
            ps.setString(3, r.replica().text());
            ps.setString(4, r.target().column());
            Rows.setPrincipal(ps, 5, r.targetCanister());
            Rows.setPrincipal(ps, 6, r.targetSubnet());
            ps.setBytes(7, r.root().bytes());
            ps.setLong(8, r.size());
            ps.setInt(9, r.chunkCount());
            ps.setBoolean(10, r.forced());
            if (r.writesOverwritten() == null) {
                ps.setNull(11, java.sql.Types.INTEGER);
            } else {
                ps.setInt(11, r.writesOverwritten());
            }
            ps.setString(12, r.actor());
            return single(ps, "restore of " + r.canister());
        }
    }

    public Optional<RestoreRecord> find(Connection tx, long id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM restores WHERE restore_id = ?")) {
            ps.setLong(1, id);
            return Rows.first(ps, RestoreRepository::map);
        }
    }

    /** The canister's unfinished restore, if a stopped coordinator left one. */
    public Optional<RestoreRecord> unfinished(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM restores WHERE canister_id = ?"
                + " AND state NOT IN ('done', 'failed', 'rolled_back')")) {
            ps.setString(1, canister.text());
            return Rows.first(ps, RestoreRepository::map);
        }
    }

    /** Restores of a canister, newest first. */
    public List<RestoreRecord> list(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM restores WHERE canister_id = ? ORDER BY restore_id DESC")) {
            ps.setString(1, canister.text());
            return Rows.list(ps, RestoreRepository::map);
        }
    }

    public RestoreRecord transition(Connection tx, long id, RestoreRecord.State from, RestoreRecord.State to)
            throws SQLException {
        if (to == RestoreRecord.State.FAILED || to == RestoreRecord.State.ROLLED_BACK || to == RestoreRecord.State.DONE) {
            throw new IllegalArgumentException("a restore ends with finish(), which records how");
        }
        try (PreparedStatement ps = tx.prepareStatement("UPDATE restores SET state = ? WHERE restore_id = ? AND state = ?"
                + " RETURNING " + COLUMNS)) {
            ps.setString(1, to.column());
            ps.setLong(2, id);
            ps.setString(3, from.column());
            return single(ps, "restore " + id + " in state " + from.column());
        }
    }

    /** Records the canister created as the target of a restore into a new canister. */
    public RestoreRecord targetCreated(Connection tx, long id, PrincipalId target) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE restores SET target_canister_id = ? WHERE restore_id = ?"
                + " AND target_canister_id IS NULL AND state = 'creating' RETURNING " + COLUMNS)) {
            ps.setString(1, target.text());
            ps.setLong(2, id);
            return single(ps, "restore " + id + " creating without a target");
        }
    }

    /**
     * Notes that the backup canister was asked to push (so a failed push seen later is known to be
     * this one's) and its balance then, if read.
     */
    public RestoreRecord pushRequested(Connection tx, long id, BigInteger replicaCyclesBefore) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE restores SET push_requested_at = now(),"
                + " replica_cycles_before = coalesce(?, replica_cycles_before)"
                + " WHERE restore_id = ? AND state = 'writing' RETURNING " + COLUMNS)) {
            Rows.setBigInteger(ps, 1, replicaCyclesBefore);
            ps.setLong(2, id);
            return single(ps, "restore " + id + " writing");
        }
    }

    /** Forgets a push request the backup canister no longer knows of (it was reinstalled), so it is asked again. */
    public RestoreRecord clearPushRequest(Connection tx, long id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE restores SET push_requested_at = NULL"
                + " WHERE restore_id = ? AND state = 'writing' RETURNING " + COLUMNS)) {
            ps.setLong(1, id);
            return single(ps, "restore " + id + " writing");
        }
    }

    /** Ends an unfinished restore as done, failed or rolled back. */
    public RestoreRecord finish(Connection tx, long id, RestoreRecord.State end, Boolean verified, String error)
            throws SQLException {
        if (!end.finished()) {
            throw new IllegalArgumentException(end + " is not an end state");
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE restores SET state = ?, verified = ?, error = ?, finished_at = now()
                 WHERE restore_id = ? AND state NOT IN ('done', 'failed', 'rolled_back') RETURNING\s""" + COLUMNS)) {
            ps.setString(1, end.column());
            if (verified == null) {
                ps.setNull(2, java.sql.Types.BOOLEAN);
            } else {
                ps.setBoolean(2, verified);
            }
            ps.setString(3, error);
            ps.setLong(4, id);
            return single(ps, "restore " + id + " unfinished");
        }
    }

    private static RestoreRecord single(PreparedStatement ps, String expected) throws SQLException {
        return Rows.single(ps, RestoreRepository::map, expected);
    }

    private static RestoreRecord map(ResultSet rs) throws SQLException {
        boolean verified = rs.getBoolean("verified");
        Optional<Boolean> v = rs.wasNull() ? Optional.empty() : Optional.of(verified);
        return new RestoreRecord(rs.getLong("restore_id"), Rows.principal(rs, "canister_id"), rs.getLong("generation_id"),
                Rows.principal(rs, "replica_id"), RestoreRecord.Target.of(rs.getString("target_kind")),
                Rows.optionalPrincipal(rs, "target_canister_id"), Rows.optionalPrincipal(rs, "target_subnet_id"),
                Digest.of(rs.getBytes("image_root")), rs.getLong("image_size"), rs.getInt("chunk_count"),
                rs.getBoolean("forced"), Rows.optionalInt(rs, "writes_overwritten"),
                Rows.optionalInstant(rs, "push_requested_at"), Optional.ofNullable(rs.getBigDecimal("replica_cycles_before"))
                        .map(d -> d.toBigIntegerExact()), RestoreRecord.State.of(rs.getString("state")), v,
                Rows.instant(rs, "started_at"), Rows.optionalInstant(rs, "finished_at"),
                Optional.ofNullable(rs.getString("error")));
    }
}
