package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * What replicas held over time, for storage reports: each sealed generation's size from when it
 * was sealed until it was deleted, and users' storage charges with the periods they cover.
 */
public final class StorageHeld {

    /** A sealed generation's {@code size} bytes, held from {@code from} until {@code until} (empty: still held). */
    public record Held(PrincipalId replica, Optional<PrincipalId> owner, long generation, long size, Instant from,
            Optional<Instant> until) {
    }

    /**
     * Sealed generations held at some time in {@code [from, to)} (null bounds are open), of the
     * replicas of one canister and/or one owner (null = any; {@code operatorOnly} = only replicas
     * no user owns).
     */
    public List<Held> generations(Connection tx, PrincipalId canister, PrincipalId owner, boolean operatorOnly,
            Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT g.replica_id, r.owner_principal, g.generation_id, g.size, g.sealed_at, g.deleted_at
                  FROM generations g JOIN replicas r USING (replica_id)
                 WHERE g.sealed_at IS NOT NULL
                   AND (?::text IS NULL OR r.source_canister_id = ?)
                   AND (?::text IS NULL OR r.owner_principal = ?)
                   AND (NOT ? OR r.owner_principal IS NULL)
                   AND (?::timestamptz IS NULL OR g.deleted_at IS NULL OR g.deleted_at > ?::timestamptz)
                   AND (?::timestamptz IS NULL OR g.sealed_at < ?::timestamptz)
                 ORDER BY g.replica_id, g.generation_id""")) {
            String c = canister == null ? null : canister.text();
            String o = owner == null ? null : owner.text();
            ps.setString(1, c);
            ps.setString(2, c);
            ps.setString(3, o);
            ps.setString(4, o);
            ps.setBoolean(5, operatorOnly);
            Rows.setInstant(ps, 6, from);
            Rows.setInstant(ps, 7, from);
            Rows.setInstant(ps, 8, to);
            Rows.setInstant(ps, 9, to);
            return Rows.list(ps, rs -> new Held(Rows.principal(rs, "replica_id"),
                    Rows.optionalPrincipal(rs, "owner_principal"), rs.getLong("generation_id"), rs.getLong("size"),
                    Rows.instant(rs, "sealed_at"), Rows.optionalInstant(rs, "deleted_at")));
        }
    }

    /** A storage charge with the canister its replica protects. */
    public record Charge(PrincipalId canister, UserEntry entry) {
    }

    /**
     * Users' storage charges whose period overlaps {@code [from, to)} (null bounds are open), of one
     * canister's replicas and/or one user (null = any), oldest first.
     */
    public List<Charge> storageCharges(Connection tx, PrincipalId canister, PrincipalId owner, Instant from, Instant to)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("""
                SELECT\s""" + UserLedger.COLUMNS + """
                     , r.source_canister_id
                  FROM user_ledger l JOIN replicas r USING (replica_id)
                 WHERE l.kind = 'storage'
                   AND (?::text IS NULL OR r.source_canister_id = ?)
                   AND (?::text IS NULL OR l.principal = ?)
                   AND (?::timestamptz IS NULL OR l.period_end > ?::timestamptz)
                   AND (?::timestamptz IS NULL OR l.period_start < ?::timestamptz)
                 ORDER BY l.period_start, l.entry_id""")) {
            String c = canister == null ? null : canister.text();
            String o = owner == null ? null : owner.text();
            ps.setString(1, c);
            ps.setString(2, c);
            ps.setString(3, o);
            ps.setString(4, o);
            Rows.setInstant(ps, 5, from);
            Rows.setInstant(ps, 6, from);
            Rows.setInstant(ps, 7, to);
            Rows.setInstant(ps, 8, to);
            return Rows.list(ps, rs -> new Charge(Rows.principal(rs, "source_canister_id"), UserLedger.map(rs)));
        }
    }

}
