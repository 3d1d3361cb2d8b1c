package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Protected canisters. Removing one only marks it removed, so that its runs, generations and
 * costs stay explained; adding it again brings it back with what the IC says about it now.
 */
public final class CanisterRepository {
    private static final String COLUMNS = "canister_id, name, subnet_id, module_hash, live_canister_id, live_subnet_id,"
            + " added_at, user_backups_allowed";

    /** Adds the canister or brings a removed one back; the subnet must have been recorded. */
    public ProtectedCanister add(Connection tx, PrincipalId id, String name, PrincipalId subnet, Digest moduleHash)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO canisters (canister_id, name, subnet_id, module_hash, live_canister_id, live_subnet_id)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (canister_id) DO UPDATE
                   SET name = EXCLUDED.name, subnet_id = EXCLUDED.subnet_id, module_hash = EXCLUDED.module_hash,
                       live_canister_id = EXCLUDED.live_canister_id, live_subnet_id = EXCLUDED.live_subnet_id,
                       added_at = now(), removed_at = NULL
                 WHERE canisters.removed_at IS NOT NULL
                RETURNING\s""" + COLUMNS)) {
            ps.setString(1, id.text());
            ps.setString(2, name);
            ps.setString(3, subnet.text());
            Rows.setDigest(ps, 4, moduleHash);
            ps.setString(5, id.text());
            ps.setString(6, subnet.text());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StaleStateException("canister " + id + " is already protected");
                }
                return map(rs);
            }
        }
    }

    public Optional<ProtectedCanister> findActive(Connection tx, PrincipalId id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT " + COLUMNS + " FROM canisters WHERE canister_id = ? AND removed_at IS NULL")) {
            ps.setString(1, id.text());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Finds an active canister by its id or its name. */
    public Optional<ProtectedCanister> findActiveByIdOrName(Connection tx, String idOrName) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS
                + " FROM canisters WHERE (canister_id = ? OR name = ?) AND removed_at IS NULL")) {
            ps.setString(1, idOrName);
            ps.setString(2, idOrName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    public List<ProtectedCanister> listActive(Connection tx) throws SQLException {
        List<ProtectedCanister> result = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT " + COLUMNS + " FROM canisters WHERE removed_at IS NULL ORDER BY added_at, canister_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                result.add(map(rs));
            }
        }
        return result;
    }

    /** Marks an active canister removed; false if there was none. */
    public boolean markRemoved(Connection tx, PrincipalId id) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE canisters SET removed_at = now() WHERE canister_id = ? AND removed_at IS NULL")) {
            ps.setString(1, id.text());
            return ps.executeUpdate() == 1;
        }
    }

    /** Lets the app's users ask for backup canisters of this canister, or stops letting them. */
    public void setUserBackupsAllowed(Connection tx, PrincipalId id, boolean allowed) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE canisters SET user_backups_allowed = ?"
                + " WHERE canister_id = ? AND removed_at IS NULL")) {
            ps.setBoolean(1, allowed);
            ps.setString(2, id.text());
            if (ps.executeUpdate() != 1) {
                throw new StaleStateException("canister " + id + " is not protected");
            }
        }
    }

    /** Records where the service runs after a promotion or a fail-back. */
    public void setLiveCanister(Connection tx, PrincipalId id, PrincipalId live, PrincipalId subnet) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE canisters SET live_canister_id = ?, live_subnet_id = ?"
                + " WHERE canister_id = ? AND removed_at IS NULL")) {
            ps.setString(1, live.text());
            ps.setString(2, subnet.text());
            ps.setString(3, id.text());
            if (ps.executeUpdate() != 1) {
                throw new StaleStateException("canister " + id + " is not protected");
            }
        }
    }

    private static ProtectedCanister map(ResultSet rs) throws SQLException {
        return new ProtectedCanister(Rows.principal(rs, "canister_id"), Optional.ofNullable(rs.getString("name")),
                Rows.principal(rs, "subnet_id"), Rows.digest(rs, "module_hash"), Rows.principal(rs, "live_canister_id"),
                Rows.principal(rs, "live_subnet_id"), Rows.instant(rs, "added_at"),
                rs.getBoolean("user_backups_allowed"));
    }
}
