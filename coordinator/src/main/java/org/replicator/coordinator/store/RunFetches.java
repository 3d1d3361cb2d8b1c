package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.replicator.coordinator.ids.PrincipalId;

/** What each replica's backup canister reported for its run (table {@code run_fetches}). */
public final class RunFetches {

    public record Fetch(long run, PrincipalId replica, long chunksFetched, long chunksReused, long bytesFetched,
            BigInteger cyclesSpent) {
    }

    /** Records a replica's figures for a run; a second record for the same part keeps the first. */
    public void record(Connection tx, Fetch f) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                INSERT INTO run_fetches (run_id, replica_id, chunks_fetched, chunks_reused, bytes_fetched, cycles_spent)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, replica_id) DO NOTHING""")) {
            ps.setLong(1, f.run());
            ps.setString(2, f.replica().text());
            ps.setLong(3, f.chunksFetched());
            ps.setLong(4, f.chunksReused());
            ps.setLong(5, f.bytesFetched());
            Rows.setBigInteger(ps, 6, f.cyclesSpent());
            ps.executeUpdate();
        }
    }

    public List<Fetch> forRun(Connection tx, long runId) throws SQLException {
        List<Fetch> result = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT run_id, replica_id, chunks_fetched, chunks_reused,"
                + " bytes_fetched, cycles_spent FROM run_fetches WHERE run_id = ? ORDER BY replica_id")) {
            ps.setLong(1, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new Fetch(rs.getLong(1), Rows.principal(rs, "replica_id"), rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), Rows.bigInteger(rs, "cycles_spent")));
                }
            }
        }
        return result;
    }
}
