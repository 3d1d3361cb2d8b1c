package org.replicator.coordinator.replica;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;

/**
 * Adds cycles to a backup canister from the network's funding source and books them: a
 * {@code top_up} ledger row for the replica and its source canister (with the run, when a run's
 * engine asked for it) and a {@code replica.top_up} audit event, in one transaction after the
 * cycles arrived. Cost measurement adds these rows back into a balance change by time
 * ({@code CycleLedger.toppedUp}), so a top-up in the middle of a run is not taken for spending.
 */
public final class ReplicaTopUp {
    private final Database db;
    private final CyclesFunding funding;

    public ReplicaTopUp(Database db, CyclesFunding funding) {
        this.db = db;
        this.funding = funding;
    }

    /**
     * The replica to top up, from the database alone: refuses, before anything is asked of the
     * network or written, a non-positive amount, a canister that is not a recorded replica, and a
     * dropped one. (Whether the funding source can top up at all is {@link CyclesFunding#checkCanTopUp}.)
     */
    public static Replica target(Database db, PrincipalId replica, BigInteger cycles) {
        if (cycles.signum() <= 0) {
            throw new IllegalArgumentException("a top-up must add at least 1 cycle, not " + cycles);
        }
        Replica r = db.inTransaction(tx -> new ReplicaRepository().find(tx, replica))
                .orElseThrow(() -> new ReplicaRefused("no replica " + replica + " is recorded; `replicator replica list`"
                        + " shows the replicas (a canister created elsewhere is topped up with dfx or icp-cli)"));
        if (r.status() == Replica.Status.DROPPED) {
            throw new ReplicaRefused("replica " + replica + " of " + r.source() + " was dropped; the coordinator no"
                    + " longer tops it up (top the canister up with dfx or icp-cli if you still keep it)");
        }
        return r;
    }

    /**
     * Tops {@code replica} up by {@code cycles} and books it (with {@code run}, if not null). A
     * top-up the funding source refuses books nothing. If the cycles arrived but the booking
     * failed, the error says so (a run measured across it shows the unbooked cycles as an
     * overcount).
     */
    public void topUp(Replica replica, BigInteger cycles, Long run, String actor, String reason) {
        add(replica, cycles);
        try {
            book(replica, cycles, run, actor, reason);
        } catch (DatabaseException e) {
            throw new DatabaseException(replica.id() + " was topped up by " + cycles + " cycles, but recording it"
                    + " failed (" + e.getMessage() + "); the ledger lacks this top-up", e);
        }
    }

    /**
     * Adds the cycles through the funding source, booking nothing: for a caller that books with
     * {@link #book} on its own terms (the engine waits out a database outage before booking,
     * rather than top up again). Not safe to repeat: each call adds the cycles again.
     */
    public void add(Replica replica, BigInteger cycles) {
        funding.topUp(replica.id(), cycles);
    }

    /** Books a top-up that {@link #add} made: the ledger row and the audit event, in one transaction. */
    public void book(Replica replica, BigInteger cycles, Long run, String actor, String reason) {
        db.inTransaction(tx -> {
            new CycleLedger().record(tx, new CycleEntry.New(run, replica.source(), replica.id(), null,
                    CycleEntry.Kind.TOP_UP, cycles, reason + "; from " + funding.describe()));
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("replica", replica.id().text());
            detail.put("cycles", cycles.toString());
            if (run != null) {
                detail.put("run", run);
            }
            detail.put("funding", funding.describe());
            detail.put("reason", reason);
            new AuditLog().record(tx, actor, "replica.top_up", replica.source().text(), detail);
            return null;
        });
    }
}
