package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.replicator.coordinator.ids.PrincipalId;

public final class SubnetRepository {

    /** Records that the subnet exists now (inserted the first time, its last-seen time moved after). */
    public void recordSeen(Connection tx, PrincipalId subnet) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO subnets (subnet_id) VALUES (?)
                ON CONFLICT (subnet_id) DO UPDATE SET last_seen_at = now()""")) {
            ps.setString(1, subnet.text());
            ps.executeUpdate();
        }
    }

    public List<Subnet> list(Connection tx) throws SQLException {
        List<Subnet> subnets = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT subnet_id, first_seen_at, last_seen_at FROM subnets ORDER BY subnet_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                subnets.add(new Subnet(Rows.principal(rs, "subnet_id"), Rows.instant(rs, "first_seen_at"),
                        Rows.instant(rs, "last_seen_at")));
            }
        }
        return subnets;
    }
}
