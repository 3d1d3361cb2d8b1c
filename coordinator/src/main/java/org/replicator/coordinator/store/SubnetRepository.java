package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.replicator.coordinator.agent.CanisterRange;
import org.replicator.coordinator.agent.SubnetInfo;
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

    /**
     * Records a subnet as the network certified it: its type and its canister ranges replace what
     * was recorded before, since a subnet split moves ranges.
     */
    public void recordTopology(Connection tx, SubnetInfo subnet) throws SQLException {
        recordSeen(tx, subnet.id());
        try (PreparedStatement ps = tx.prepareStatement("UPDATE subnets SET subnet_type = ? WHERE subnet_id = ?")) {
            ps.setString(1, subnet.type().isEmpty() ? null : subnet.type());
            ps.setString(2, subnet.id().text());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement("DELETE FROM subnet_ranges WHERE subnet_id = ?")) {
            ps.setString(1, subnet.id().text());
            ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO subnet_ranges (subnet_id, range_start, range_end) VALUES (?, ?, ?)")) {
            for (CanisterRange r : subnet.ranges()) {
                ps.setString(1, subnet.id().text());
                ps.setString(2, r.start().text());
                ps.setString(3, r.end().text());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The subnets whose ranges are known, with their ranges, ordered by id. */
    public List<SubnetInfo> topology(Connection tx) throws SQLException {
        Map<PrincipalId, String> types = new LinkedHashMap<>();
        Map<PrincipalId, List<CanisterRange>> ranges = new LinkedHashMap<>();
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT s.subnet_id, s.subnet_type, r.range_start, r.range_end
                  FROM subnets s JOIN subnet_ranges r ON r.subnet_id = s.subnet_id
                 ORDER BY s.subnet_id, r.range_start""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                PrincipalId id = Rows.principal(rs, "subnet_id");
                String type = rs.getString("subnet_type");
                types.put(id, type == null ? "" : type);
                ranges.computeIfAbsent(id, k -> new ArrayList<>()).add(
                        new CanisterRange(Rows.principal(rs, "range_start"), Rows.principal(rs, "range_end")));
            }
        }
        List<SubnetInfo> result = new ArrayList<>();
        ranges.forEach((id, r) -> result.add(new SubnetInfo(id, types.get(id), r)));
        return result;
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
