package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.costs.CostReport;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;

/**
 * Charges a sealed run to the user whose backup canister it filled: what the run cost that canister
 * by the cycle ledger (its own counter, reconciled with its balance), with the fee table's estimate
 * and the bytes it pulled beside it. A run is charged once, whoever asks.
 */
public final class RunCharges {
    private final Database db;

    public RunCharges(Database db) {
        this.db = db;
    }

    /**
     * Charges every sealed run into a user's backup canister not charged yet, whichever process
     * drove it (a canister's own schedule may have resumed a user's run). Returns the charges made.
     */
    public List<UserEntry> chargeOutstanding(String actor) {
        List<UserEntry> made = new ArrayList<>();
        for (UserLedger.Uncharged u : db.inTransaction(new UserLedger()::uncharged)) {
            charge(u.run(), u.replica(), actor).ifPresent(made::add);
        }
        return made;
    }

    /** The charge recorded, or empty if the replica has no user or the run was charged already. */
    public Optional<UserEntry> charge(long run, PrincipalId replica, String actor) {
        UserLedger ledger = new UserLedger();
        return db.inTransaction(tx -> {
            Optional<PrincipalId> owner = new ReplicaRepository().find(tx, replica).flatMap(r -> r.owner());
            if (owner.isEmpty() || ledger.runCharged(tx, run, replica)) {
                return Optional.<UserEntry>empty();
            }
            BigInteger spent = new CycleLedger().spentByReplica(tx, run, replica).max(BigInteger.ZERO);
            CostReport.RunCost cost = new CostReport().run(tx, run).orElseThrow();
            long bytes = cost.replicas().stream().filter(c -> c.replica().equals(replica))
                    .mapToLong(CostReport.ReplicaCost::bytesFetched).sum();
            UserEntry e = ledger.record(tx, new UserEntry.New(owner.get(), UserEntry.Kind.RUN, spent, replica, run,
                    null, null, null, bytes, cost.finalEstimate(), null, cost.run().kind().name().toLowerCase()
                            + " run " + run));
            new AuditLog().record(tx, actor, "user.charge", owner.get().text(), Map.of("kind", "run", "run", run,
                    "replica", replica.text(), "cycles", spent.toString()));
            return Optional.of(e);
        });
    }
}
