package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

public final class GenerationRepository {
    private static final String COLUMNS = "generation_id, replica_id, source_canister_id, run_id, epoch, root, size,"
            + " chunk_count, source_module_hash, parent_generation_id, created_at, sealed_at";

    /** Records a generation a replica holds, not yet sealed; its source is the run's (or the replica's, without a run). */
    public Generation record(Connection tx, PrincipalId replica, Long run, BigInteger epoch, Digest root, long size,
            int chunkCount, Digest sourceModuleHash, Long parent) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO generations (replica_id, run_id, epoch, root, size, chunk_count, source_module_hash,
                                         parent_generation_id, source_canister_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce((SELECT source_canister_id FROM runs WHERE run_id = ?),
                        (SELECT source_canister_id FROM replicas WHERE replica_id = ?))) RETURNING\s""" + COLUMNS)) {
            ps.setString(1, replica.text());
            Rows.setLong(ps, 2, run);
            Rows.setBigInteger(ps, 3, epoch);
            ps.setBytes(4, root.bytes());
            ps.setLong(5, size);
            ps.setInt(6, chunkCount);
            Rows.setDigest(ps, 7, sourceModuleHash);
            Rows.setLong(ps, 8, parent);
            Rows.setLong(ps, 9, run);
            ps.setString(10, replica.text());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return map(rs);
            }
        }
    }

    /**
     * Seals a generation whose root is {@code expectedRoot}. The root is part of the condition so
     * that a generation can never be sealed under a root other than the one that was verified.
     */
    public Generation seal(Connection tx, long generationId, Digest expectedRoot) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE generations SET sealed_at = now()"
                + " WHERE generation_id = ? AND root = ? AND sealed_at IS NULL AND deleted_at IS NULL RETURNING " + COLUMNS)) {
            ps.setLong(1, generationId);
            ps.setBytes(2, expectedRoot.bytes());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StaleStateException("generation " + generationId + " is sealed, deleted, or its root is not "
                            + expectedRoot);
                }
                return map(rs);
            }
        }
    }

    public Optional<Generation> latestSealed(Connection tx, PrincipalId replica) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM generations WHERE replica_id = ?"
                + " AND sealed_at IS NOT NULL AND deleted_at IS NULL ORDER BY sealed_at DESC, generation_id DESC LIMIT 1")) {
            ps.setString(1, replica.text());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The generations of a replica that are not deleted, newest first. */
    public List<Generation> list(Connection tx, PrincipalId replica) throws SQLException {
        List<Generation> result = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM generations WHERE replica_id = ? AND deleted_at IS NULL ORDER BY generation_id DESC")) {
            ps.setString(1, replica.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(map(rs));
                }
            }
        }
        return result;
    }

    public Optional<Generation> find(Connection tx, long generationId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM generations WHERE generation_id = ?")) {
            ps.setLong(1, generationId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The sealed, not deleted generations held by any replica of {@code canister}, newest first. */
    public List<Generation> sealedOf(Connection tx, PrincipalId canister) throws SQLException {
        List<Generation> result = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + prefixed("g") + " FROM generations g"
                + " JOIN replicas r ON r.replica_id = g.replica_id WHERE r.source_canister_id = ?"
                + " AND g.sealed_at IS NOT NULL AND g.deleted_at IS NULL ORDER BY g.sealed_at DESC, g.generation_id DESC")) {
            ps.setString(1, canister.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(map(rs));
                }
            }
        }
        return result;
    }

    private static String prefixed(String alias) {
        return alias + "." + COLUMNS.replace(", ", ", " + alias + ".");
    }

    private static Generation map(ResultSet rs) throws SQLException {
        return new Generation(rs.getLong("generation_id"), Rows.principal(rs, "replica_id"),
                Rows.principal(rs, "source_canister_id"), Rows.optionalLong(rs, "run_id"),
                Rows.bigInteger(rs, "epoch"), Digest.of(rs.getBytes("root")), rs.getLong("size"), rs.getInt("chunk_count"),
                Rows.digest(rs, "source_module_hash"), Rows.optionalLong(rs, "parent_generation_id"),
                Rows.instant(rs, "created_at"), Rows.optionalInstant(rs, "sealed_at"));
    }

    /** Marks a generation deleted (its backup canister dropped it); it stays for the history of runs and costs. */
    public void markDeleted(Connection tx, long generationId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE generations SET deleted_at = now() WHERE generation_id = ? AND deleted_at IS NULL")) {
            ps.setLong(1, generationId);
            ps.executeUpdate();
        }
    }
}
