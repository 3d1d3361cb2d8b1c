package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalDouble;
import org.replicator.coordinator.ids.PrincipalId;

/** Figures from finished runs that estimates lean on. */
public final class RunHistory {

    /** Bytes per second of the canister's latest sealed full run, start to seal; empty without one. */
    public OptionalDouble fullRunThroughput(Connection tx, PrincipalId canister) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT image_size, extract(epoch FROM finished_at - started_at) FROM runs
                 WHERE canister_id = ? AND state = 'sealed' AND kind = 'full' AND image_size > 0
                 ORDER BY finished_at DESC LIMIT 1""")) {
            ps.setString(1, canister.text());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getDouble(2) <= 0) {
                    return OptionalDouble.empty();
                }
                return OptionalDouble.of(rs.getLong(1) / rs.getDouble(2));
            }
        }
    }
}
