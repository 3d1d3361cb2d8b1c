package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Runs, each replica's part in them, and chunk progress. Every state change names the state it
 * expects to leave, so a change made from a stale view fails ({@link StaleStateException}) instead
 * of overwriting what another coordinator recorded.
 */
public final class RunRepository {
    private static final String COLUMNS = "run_id, canister_id, source_canister_id, kind, state, epoch, image_size, chunk_size, chunk_count,"
            + " source_root, base_generation_id, cycle_budget, attempt, started_at, updated_at, finished_at, error";

    /**
     * Records a planned run with a pending part for each replica. A canister that already has an
     * unfinished run gets a {@link ConstraintViolation} on {@code runs_one_open_per_canister}.
     */
    public Run plan(Connection tx, PrincipalId canister, Run.Kind kind, Long baseGeneration, BigInteger cycleBudget,
            List<PrincipalId> replicas) throws SQLException {
        return plan(tx, canister, canister, kind, baseGeneration, cycleBudget, replicas);
    }

    /** As above, reading the image from {@code source}: the live canister, a promoted one after a failover. */
    public Run plan(Connection tx, PrincipalId canister, PrincipalId source, Run.Kind kind, Long baseGeneration,
            BigInteger cycleBudget, List<PrincipalId> replicas) throws SQLException {
        Run run;
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO runs (canister_id, source_canister_id, kind, state, base_generation_id, cycle_budget)
                VALUES (?, ?, ?, 'planned', ?, ?) RETURNING\s""" + COLUMNS)) {
            ps.setString(1, canister.text());
            ps.setString(2, source.text());
            ps.setString(3, kind.column());
            Rows.setLong(ps, 4, baseGeneration);
            Rows.setBigInteger(ps, 5, cycleBudget);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                run = map(rs);
            }
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO run_replicas (run_id, replica_id, state) VALUES (?, ?, 'pending')")) {
            for (PrincipalId replica : replicas) {
                ps.setLong(1, run.id());
                ps.setString(2, replica.text());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return run;
    }

    /** planned → begun: the source froze an image under {@code epoch}. */
    public Run begin(Connection tx, long runId, BigInteger epoch, Run.Image image) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE runs SET state = 'begun', epoch = ?, image_size = ?, chunk_size = ?, chunk_count = ?,
                                source_root = ?, updated_at = now()
                 WHERE run_id = ? AND state = 'planned' RETURNING\s""" + COLUMNS)) {
            Rows.setBigInteger(ps, 1, epoch);
            ps.setLong(2, image.size());
            ps.setInt(3, image.chunkSize());
            ps.setInt(4, image.chunkCount());
            ps.setBytes(5, image.root().bytes());
            ps.setLong(6, runId);
            return single(ps, runId, Run.State.PLANNED);
        }
    }

    /** Moves a run between two unfinished states, or to SEALED or CANCELLED. */
    public Run transition(Connection tx, long runId, Run.State from, Run.State to) throws SQLException {
        if (to == Run.State.FAILED) {
            throw new IllegalArgumentException("a run fails with fail(), which records why");
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE runs SET state = ?, updated_at = now(),
                       finished_at = CASE WHEN ? THEN now() ELSE NULL END
                 WHERE run_id = ? AND state = ? RETURNING\s""" + COLUMNS)) {
            ps.setString(1, to.column());
            ps.setBoolean(2, to.finished());
            ps.setLong(3, runId);
            ps.setString(4, from.column());
            return single(ps, runId, from);
        }
    }

    /** Ends an unfinished run as failed with the reason. */
    public Run fail(Connection tx, long runId, String error) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE runs SET state = 'failed', error = ?, updated_at = now(), finished_at = now()
                 WHERE run_id = ? AND state NOT IN ('sealed', 'failed', 'cancelled') RETURNING\s""" + COLUMNS)) {
            ps.setString(1, error);
            ps.setLong(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StaleStateException("run " + runId + " is already finished");
                }
                return map(rs);
            }
        }
    }

    /**
     * Claims an unfinished run for a coordinator, counting the attempt; throws
     * {@link StaleStateException} when the run is finished or held. The lease only: see
     * {@link #claim(Connection, long, String, int, int, Set)} for the liveness and bound checks.
     */
    public Run claim(Connection tx, long runId, String owner, int leaseSeconds) throws SQLException {
        if (claim(tx, runId, owner, leaseSeconds, Integer.MAX_VALUE, Set.of()) instanceof Claim.Claimed c) {
            return c.run();
        }
        throw new StaleStateException("run " + runId + " is finished or held by another coordinator");
    }

    /**
     * A coordinator holding (or having held) a run, as the database saw it; the heartbeat is absent
     * only for an owner written without one (never by a claim).
     */
    public record Holder(long run, PrincipalId canister, String owner, Optional<Instant> heartbeatAt,
            Optional<Duration> heartbeatAge) {
    }

    /** What a claim found. */
    public sealed interface Claim {
        /** The run is now the caller's; {@code from} is the other coordinator it was taken from, if any. */
        record Claimed(Run run, Optional<Holder> from) implements Claim {
        }

        /** Another coordinator holds the run with a live lease and is not known to be dead. */
        record Held(Holder holder) implements Claim {
        }

        /** {@code bound} other runs are driven under live leases already. */
        record AtBound(int bound, List<Holder> driving) implements Claim {
        }

        record Finished(Run run) implements Claim {
        }
    }

    /** Key of the transaction-scoped advisory lock that serialises claims across coordinators. */
    static final long CLAIM_LOCK = 0x5265706c436c6dL;

    /**
     * Claims an unfinished run, counting the attempt, in one serialised step: the run must not be
     * held by another owner under a live lease (heartbeat younger than {@code leaseSeconds}) unless
     * that exact owner string is in {@code deadOwners} (the caller saw its process gone), and fewer
     * than {@code maxConcurrentRuns} other unfinished runs may be held under live leases by owners not
     * in {@code deadOwners}. Claims take an advisory lock first, so two coordinators counting at once
     * cannot both fit under the bound, and the update is conditioned on the owner that was read, so
     * two coordinators taking over one dead holder cannot both win.
     */
    public Claim claim(Connection tx, long runId, String owner, int leaseSeconds, int maxConcurrentRuns,
            Set<String> deadOwners) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            ps.setLong(1, CLAIM_LOCK);
            ps.execute();
        }
        java.sql.Array dead = tx.createArrayOf("text", deadOwners.toArray());
        String seen;
        boolean live;
        Holder current;
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT run_id, canister_id, state, owner, heartbeat_at,
                       EXTRACT(EPOCH FROM now() - heartbeat_at) * 1000 AS age_ms,
                       heartbeat_at >= now() - make_interval(secs => ?) AS live
                  FROM runs WHERE run_id = ? FOR UPDATE""")) {
            ps.setInt(1, leaseSeconds);
            ps.setLong(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StaleStateException("there is no run " + runId);
                }
                if (Run.State.of(rs.getString("state")).finished()) {
                    return new Claim.Finished(find(tx, runId).orElseThrow());
                }
                seen = rs.getString("owner");
                live = rs.getBoolean("live");
                current = seen == null ? null : holder(rs);
            }
        }
        if (seen != null && !seen.equals(owner) && live && !deadOwners.contains(seen)) {
            return new Claim.Held(current);
        }
        List<Holder> driving = driving(tx, runId, leaseSeconds, deadOwners);
        if (driving.size() >= maxConcurrentRuns) {
            return new Claim.AtBound(maxConcurrentRuns, driving);
        }
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE runs SET owner = ?, heartbeat_at = now(), attempt = attempt + 1, updated_at = now()
                 WHERE run_id = ? AND state NOT IN ('sealed', 'failed', 'cancelled') AND owner IS NOT DISTINCT FROM ?
                   AND (owner IS NULL OR owner = ? OR heartbeat_at < now() - make_interval(secs => ?)
                        OR owner = ANY (?))
                RETURNING\s""" + COLUMNS)) {
            ps.setString(1, owner);
            ps.setLong(2, runId);
            ps.setString(3, seen);
            ps.setString(4, owner);
            ps.setInt(5, leaseSeconds);
            ps.setArray(6, dead);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StaleStateException("run " + runId + " changed hands while it was being claimed");
                }
                Run run = map(rs);
                return new Claim.Claimed(run, seen == null || seen.equals(owner) ? Optional.empty() : Optional.of(current));
            }
        }
    }

    /**
     * Records the module the source ran when the run's image was frozen; its generations carry it,
     * so a restore into a new canister can be given the same code.
     */
    public void recordSourceModule(Connection tx, long runId, Digest module) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE runs SET source_module_hash = ? WHERE run_id = ?")) {
            Rows.setDigest(ps, 1, module);
            ps.setLong(2, runId);
            ps.executeUpdate();
        }
    }

    public Optional<Digest> sourceModule(Connection tx, long runId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT source_module_hash FROM runs WHERE run_id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Rows.digest(rs, "source_module_hash") : Optional.empty();
            }
        }
    }

    /**
     * Unfinished runs other than {@code exceptRun} held under a live lease by an owner not in
     * {@code deadOwners}: the runs that count against the bound on concurrent runs.
     */
    public List<Holder> driving(Connection tx, long exceptRun, int leaseSeconds, Set<String> deadOwners)
            throws SQLException {
        List<Holder> driving = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT run_id, canister_id, owner, heartbeat_at, EXTRACT(EPOCH FROM now() - heartbeat_at) * 1000 AS age_ms
                  FROM runs
                 WHERE run_id <> ? AND state NOT IN ('sealed', 'failed', 'cancelled') AND owner IS NOT NULL
                   AND heartbeat_at >= now() - make_interval(secs => ?) AND NOT (owner = ANY (?))
                 ORDER BY run_id""")) {
            ps.setLong(1, exceptRun);
            ps.setInt(2, leaseSeconds);
            ps.setArray(3, tx.createArrayOf("text", deadOwners.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    driving.add(holder(rs));
                }
            }
        }
        return driving;
    }

    private static Holder holder(ResultSet rs) throws SQLException {
        java.math.BigDecimal age = rs.getBigDecimal("age_ms");
        return new Holder(rs.getLong("run_id"), Rows.principal(rs, "canister_id"), rs.getString("owner"),
                Rows.optionalInstant(rs, "heartbeat_at"),
                Optional.ofNullable(age).map(a -> Duration.ofMillis(a.longValue())));
    }

    /**
     * Renews this coordinator's lease on a run it drives, so that nobody takes it over while it works;
     * false when the run is no longer this owner's (another coordinator took it over).
     */
    public boolean heartbeat(Connection tx, long runId, String owner) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE runs SET heartbeat_at = now() WHERE run_id = ? AND owner = ?")) {
            ps.setLong(1, runId);
            ps.setString(2, owner);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Gives up this coordinator's lease (it stopped driving the run), so that the next coordinator
     * resumes the run at once instead of waiting for the lease to expire.
     */
    public void release(Connection tx, long runId, String owner) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE runs SET owner = NULL, heartbeat_at = NULL WHERE run_id = ? AND owner = ?")) {
            ps.setLong(1, runId);
            ps.setString(2, owner);
            ps.executeUpdate();
        }
    }

    public Optional<Run> find(Connection tx, long runId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE run_id = ?")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Unfinished runs, oldest first: what a coordinator resumes after a restart. */
    public List<Run> listUnfinished(Connection tx) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM runs WHERE state NOT IN ('sealed', 'failed', 'cancelled') ORDER BY run_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                runs.add(map(rs));
            }
        }
        return runs;
    }

    /** The latest finished run of each canister (sealed, failed or cancelled), by canister. */
    public List<Run> listLatestFinished(Connection tx) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT DISTINCT ON (canister_id) " + COLUMNS
                + " FROM runs WHERE state IN ('sealed', 'failed', 'cancelled') ORDER BY canister_id, run_id DESC");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                runs.add(map(rs));
            }
        }
        return runs;
    }

    /** The newest {@code limit} runs, of one canister or (null) of all, newest first. */
    public List<Run> listRecent(Connection tx, PrincipalId canister, int limit) throws SQLException {
        List<Run> runs = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE (?::text IS NULL"
                + " OR canister_id = ?) ORDER BY run_id DESC LIMIT ?")) {
            String id = canister == null ? null : canister.text();
            ps.setString(1, id);
            ps.setString(2, id);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    runs.add(map(rs));
                }
            }
        }
        return runs;
    }

    /**
     * Runs newest first, narrowed by whichever filters are given (null = any): of one canister,
     * into at least one replica one user owns, started in {@code [from, to)}; at most {@code limit}
     * (null = all).
     */
    public List<Run> listFiltered(Connection tx, PrincipalId canister, PrincipalId owner, Instant from, Instant to,
            Integer limit) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM runs WHERE"
                + " (?::text IS NULL OR canister_id = ?)"
                + " AND (?::text IS NULL OR EXISTS (SELECT 1 FROM run_replicas p JOIN replicas r USING (replica_id)"
                + "      WHERE p.run_id = runs.run_id AND r.owner_principal = ?))"
                + " AND (?::timestamptz IS NULL OR started_at >= ?::timestamptz)"
                + " AND (?::timestamptz IS NULL OR started_at < ?::timestamptz)"
                + " ORDER BY run_id DESC LIMIT ?")) {
            String c = canister == null ? null : canister.text();
            String o = owner == null ? null : owner.text();
            ps.setString(1, c);
            ps.setString(2, c);
            ps.setString(3, o);
            ps.setString(4, o);
            for (int i : new int[] {5, 6}) {
                ps.setObject(i, from == null ? null : from.atOffset(ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
            }
            for (int i : new int[] {7, 8}) {
                ps.setObject(i, to == null ? null : to.atOffset(ZoneOffset.UTC), Types.TIMESTAMP_WITH_TIMEZONE);
            }
            if (limit == null) {
                ps.setNull(9, Types.INTEGER);
            } else {
                ps.setInt(9, limit);
            }
            return Rows.list(ps, RunRepository::map);
        }
    }

    // ---- replicas' parts ----------------------------------------------------------------------

    public enum PartState { PENDING, PULLING, PULLED, VERIFIED, SEALED, FAILED }

    public record Part(long run, PrincipalId replica, PartState state, Optional<Long> generation, Optional<String> error) {
    }

    public List<Part> parts(Connection tx, long runId) throws SQLException {
        List<Part> parts = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT run_id, replica_id, state, generation_id, error"
                + " FROM run_replicas WHERE run_id = ? ORDER BY replica_id")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parts.add(new Part(rs.getLong("run_id"), Rows.principal(rs, "replica_id"),
                            PartState.valueOf(rs.getString("state").toUpperCase()), Rows.optionalLong(rs, "generation_id"),
                            Optional.ofNullable(rs.getString("error"))));
                }
            }
        }
        return parts;
    }

    public void transitionPart(Connection tx, long runId, PrincipalId replica, PartState from, PartState to,
            Long generation, String error) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE run_replicas SET state = ?, generation_id = COALESCE(?, generation_id), error = ?, updated_at = now()
                 WHERE run_id = ? AND replica_id = ? AND state = ?""")) {
            ps.setString(1, to.name().toLowerCase());
            Rows.setLong(ps, 2, generation);
            ps.setString(3, error);
            ps.setLong(4, runId);
            ps.setString(5, replica.text());
            ps.setString(6, from.name().toLowerCase());
            if (ps.executeUpdate() != 1) {
                throw new StaleStateException("replica " + replica + " of run " + runId + " is not " + from);
            }
        }
    }

    // ---- chunk progress -----------------------------------------------------------------------

    /** Splits chunks 0..chunkCount-1 of a replica's part into pending ranges of at most rangeSize chunks. */
    public void planChunks(Connection tx, long runId, PrincipalId replica, int chunkCount, int rangeSize)
            throws SQLException {
        if (rangeSize < 1) {
            throw new IllegalArgumentException("a range has at least one chunk");
        }
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO run_chunks (run_id, replica_id, first_chunk,"
                + " last_chunk, state) VALUES (?, ?, ?, ?, 'pending')")) {
            for (int first = 0; first < chunkCount; first += rangeSize) {
                ps.setLong(1, runId);
                ps.setString(2, replica.text());
                ps.setInt(3, first);
                ps.setInt(4, Math.min(chunkCount, first + rangeSize) - 1);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Records a range's new state; a move to REQUESTED counts an attempt. */
    public void markChunks(Connection tx, long runId, PrincipalId replica, int first, ChunkRange.State from,
            ChunkRange.State to, long bytes) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE run_chunks SET state = ?, bytes = ?, updated_at = now(),
                       attempts = attempts + CASE WHEN ? = 'requested' THEN 1 ELSE 0 END
                 WHERE run_id = ? AND replica_id = ? AND first_chunk = ? AND state = ?""")) {
            ps.setString(1, to.column());
            ps.setLong(2, bytes);
            ps.setString(3, to.column());
            ps.setLong(4, runId);
            ps.setString(5, replica.text());
            ps.setInt(6, first);
            ps.setString(7, from.column());
            if (ps.executeUpdate() != 1) {
                throw new StaleStateException("chunks from " + first + " of replica " + replica + " in run " + runId
                        + " are not " + from.column());
            }
        }
    }

    public List<ChunkRange> chunks(Connection tx, long runId, PrincipalId replica) throws SQLException {
        List<ChunkRange> ranges = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT run_id, replica_id, first_chunk, last_chunk, state,"
                + " attempts, bytes FROM run_chunks WHERE run_id = ? AND replica_id = ? ORDER BY first_chunk")) {
            ps.setLong(1, runId);
            ps.setString(2, replica.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ranges.add(new ChunkRange(rs.getLong("run_id"), Rows.principal(rs, "replica_id"),
                            rs.getInt("first_chunk"), rs.getInt("last_chunk"),
                            ChunkRange.State.of(rs.getString("state")), rs.getInt("attempts"), rs.getLong("bytes")));
                }
            }
        }
        return ranges;
    }

    private Run single(PreparedStatement ps, long runId, Run.State expected) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new StaleStateException("run " + runId + " is not " + expected.column());
            }
            return map(rs);
        }
    }

    private static Run map(ResultSet rs) throws SQLException {
        Optional<Run.Image> image = Optional.empty();
        byte[] root = rs.getBytes("source_root");
        if (root != null) {
            image = Optional.of(new Run.Image(rs.getLong("image_size"), rs.getInt("chunk_size"), rs.getInt("chunk_count"),
                    Digest.of(root)));
        }
        return new Run(rs.getLong("run_id"), Rows.principal(rs, "canister_id"), Rows.principal(rs, "source_canister_id"),
                Run.Kind.of(rs.getString("kind")),
                Run.State.of(rs.getString("state")), Optional.ofNullable(Rows.bigInteger(rs, "epoch")), image,
                Rows.optionalLong(rs, "base_generation_id"), Optional.ofNullable(Rows.bigInteger(rs, "cycle_budget")),
                rs.getInt("attempt"), Rows.instant(rs, "started_at"), Rows.instant(rs, "updated_at"),
                Rows.optionalInstant(rs, "finished_at"), Optional.ofNullable(rs.getString("error")));
    }

    /** Notes how far a replica's pull has got, as its backup canister reported it. */
    public void recordProgress(Connection tx, long runId, PrincipalId replica, long chunksDone, long chunksTotal)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE run_replicas SET chunks_done = ?, chunks_total = ?"
                + " WHERE run_id = ? AND replica_id = ?")) {
            ps.setLong(1, chunksDone);
            ps.setLong(2, chunksTotal);
            ps.setLong(3, runId);
            ps.setString(4, replica.text());
            ps.executeUpdate();
        }
    }
}
