package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

public final class ReplicaRepository {
    private static final String COLUMNS =
            "replica_id, source_canister_id, subnet_id, status, wasm_hash, owner_principal, same_subnet_forced, created_at";

    public Replica insert(Connection tx, PrincipalId id, PrincipalId source, PrincipalId subnet, Replica.Status status,
            Digest wasmHash, PrincipalId owner, boolean sameSubnetForced) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO replicas (replica_id, source_canister_id, subnet_id, status, wasm_hash, owner_principal,
                                      same_subnet_forced)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING\s""" + COLUMNS)) {
            ps.setString(1, id.text());
            ps.setString(2, source.text());
            ps.setString(3, subnet.text());
            ps.setString(4, status.column());
            Rows.setDigest(ps, 5, wasmHash);
            Rows.setPrincipal(ps, 6, owner);
            ps.setBoolean(7, sameSubnetForced);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return map(rs);
            }
        }
    }

    /** Moves a replica from one status to another; {@link StaleStateException} if it was not in {@code from}. */
    public void transition(Connection tx, PrincipalId id, Replica.Status from, Replica.Status to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                UPDATE replicas SET status = ?,
                       dropped_at = CASE WHEN ? = 'dropped' THEN now() ELSE dropped_at END
                 WHERE replica_id = ? AND status = ?""")) {
            ps.setString(1, to.column());
            ps.setString(2, to.column());
            ps.setString(3, id.text());
            ps.setString(4, from.column());
            if (ps.executeUpdate() != 1) {
                throw new StaleStateException("replica " + id + " is not " + from.column());
            }
        }
    }

    public Optional<Replica> find(Connection tx, PrincipalId id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM replicas WHERE replica_id = ?")) {
            ps.setString(1, id.text());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /**
     * The replicas of a source the coordinator still looks after (not dropped, not detached to a
     * user), oldest first.
     */
    public List<Replica> listLive(Connection tx, PrincipalId source) throws SQLException {
        List<Replica> result = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM replicas WHERE source_canister_id = ? AND status NOT IN ('dropped', 'detached') ORDER BY created_at, replica_id")) {
            ps.setString(1, source.text());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(map(rs));
                }
            }
        }
        return result;
    }

    /** Every replica a user owns or owned (detached and dropped ones too), oldest first. */
    public List<Replica> ownedBy(Connection tx, PrincipalId owner) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM replicas WHERE owner_principal = ? ORDER BY created_at, replica_id")) {
            ps.setString(1, owner.text());
            return Rows.list(ps, ReplicaRepository::map);
        }
    }

    private static Replica map(ResultSet rs) throws SQLException {
        return new Replica(Rows.principal(rs, "replica_id"), Rows.principal(rs, "source_canister_id"),
                Rows.principal(rs, "subnet_id"), Replica.Status.of(rs.getString("status")), Rows.digest(rs, "wasm_hash"),
                Rows.optionalPrincipal(rs, "owner_principal"), rs.getBoolean("same_subnet_forced"),
                Rows.instant(rs, "created_at"));
    }
}
