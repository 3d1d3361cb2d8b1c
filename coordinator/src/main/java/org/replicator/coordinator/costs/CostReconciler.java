package org.replicator.coordinator.costs;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.protocol.NotSpeakingProtocol;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunBalances;
import org.replicator.coordinator.store.RunBalances.Phase;
import org.replicator.coordinator.store.RunBalances.Reading;
import org.replicator.coordinator.store.RunBalances.Role;
import org.replicator.coordinator.store.RunFetches;

/**
 * What a run really costs, next to what it was expected to cost (docs/coordinator.md, "Costs").
 * The engine calls it at three points: once the epoch is open and before any replica is told to
 * sync ({@link #beforePulls}: the incremental estimate from the source's list of changes, the
 * budget checked against it, every balance read), when a replica's generation is recorded
 * ({@link #pulled}: its backup canister's figures), and once the run is final ({@link #afterRun}:
 * the balances read again and, per replica, the row that makes the run's ledger rows add up to
 * the balance change).
 */
public final class CostReconciler {
    private static final String UNAVAILABLE = "SINCE_EPOCH_UNAVAILABLE";

    private final Database db;
    private final AppReplicationClient source;
    private final BalanceProbe probe;
    private final FeeTable fees;
    private final CycleLedger ledger = new CycleLedger();
    private final RunBalances balances = new RunBalances();
    private final RunFetches fetches = new RunFetches();
    private final GenerationRepository generations = new GenerationRepository();

    public CostReconciler(Database db, AppReplicationClient source, BalanceProbe probe, FeeTable fees) {
        this.db = db;
        this.source = source;
        this.probe = probe;
        this.fees = fees;
    }

    /**
     * Before the first sync of a begun run: refines an incremental run's estimate, and reads the
     * balances of the replicas and the source unless they were read already (a resumed run keeps
     * the readings made before its coordinator stopped). Returns why the run must not go on (its
     * refined estimate is over the budget), in which case no balance is read.
     */
    public Optional<String> beforePulls(Run run, List<PrincipalId> replicas, Retrier retrier) {
        if (run.kind() == Run.Kind.INCREMENTAL) {
            BigInteger estimate = refinedEstimate(run, replicas, retrier);
            if (run.cycleBudget().isPresent() && estimate.compareTo(run.cycleBudget().get()) > 0) {
                return Optional.of("the run is estimated at " + estimate + " cycles from the chunks changed since each"
                        + " replica's last generation, and the budget is " + run.cycleBudget().get()
                        + "; nothing was pulled; raise --budget or replicate into fewer replicas");
            }
        }
        List<Reading> known = db.inTransaction(tx -> balances.forRun(tx, run.id()));
        Map<PrincipalId, Role> wanted = new java.util.LinkedHashMap<>();
        wanted.put(run.source(), Role.SOURCE);
        replicas.forEach(r -> wanted.put(r, Role.REPLICA));
        wanted.forEach((canister, role) -> {
            if (known.stream().anyMatch(k -> k.canister().equals(canister) && k.phase() == Phase.BEFORE)) {
                return;
            }
            BalanceProbe.Balance b = probe.read(canister, retrier);
            db.inTransaction(tx -> record(tx, run.id(), canister, role, Phase.BEFORE, b));
        });
        return Optional.empty();
    }

    /** Keeps what a replica's backup canister reported for the run that sealed its generation. */
    public void pulled(Connection tx, Run run, PrincipalId replica, BackupRun r) throws SQLException {
        fetches.record(tx, new RunFetches.Fetch(run.id(), replica, r.chunksFetched(), r.chunksReused(), r.bytesFetched(),
                r.cyclesSpent()));
    }

    /**
     * Once a run is final: reads again every balance read before it, and books per replica the
     * difference between the balance change and the ledger's rows. Earlier runs of the same canister
     * whose coordinator stopped before this step are settled too (their "after" is then late, and
     * their overhead includes the idle time).
     */
    public void afterRun(Run run, Retrier retrier) {
        if (!run.state().finished()) {
            return;
        }
        for (long id : db.inTransaction(tx -> balances.finishedWithoutAfter(tx, run.canister()))) {
            settle(id, retrier);
        }
    }

    private void settle(long runId, Retrier retrier) {
        List<Reading> readings = db.inTransaction(tx -> balances.forRun(tx, runId));
        Map<PrincipalId, BalanceProbe.Balance> after = new java.util.LinkedHashMap<>();
        for (Reading before : readings) {
            if (before.phase() == Phase.BEFORE
                    && readings.stream().noneMatch(r -> r.canister().equals(before.canister()) && r.phase() == Phase.AFTER)) {
                after.put(before.canister(), probe.read(before.canister(), retrier));
            }
        }
        db.inTransaction(tx -> {
            Run run = new org.replicator.coordinator.store.RunRepository().find(tx, runId).orElseThrow();
            for (Reading before : readings) {
                BalanceProbe.Balance b = after.get(before.canister());
                if (before.phase() != Phase.BEFORE || b == null
                        || !record(tx, runId, before.canister(), before.role(), Phase.AFTER, b)) {
                    continue;
                }
                Reading now = balances.find(tx, runId, before.canister(), Phase.AFTER).orElseThrow();
                if (before.cycles().isEmpty() || now.cycles().isEmpty()) {
                    continue;
                }
                BigInteger toppedUp = ledger.toppedUp(tx, before.canister(), before.readAt(), now.readAt());
                BigInteger measured = before.cycles().get().add(toppedUp).subtract(now.cycles().get());
                String change = "balance " + before.cycles().get() + " before + " + toppedUp + " topped up − "
                        + now.cycles().get() + " after = " + measured;
                if (before.role() == Role.SOURCE) {
                    if (measured.signum() > 0) {
                        ledger.record(tx, new CycleEntry.New(runId, run.canister(), null, null, CycleEntry.Kind.EXECUTION,
                                measured, "source " + before.canister() + " during the run: " + change
                                        + " (serving the reads, the coordinator's begin and end, and whatever else the"
                                        + " app did meanwhile)"));
                    }
                    continue;
                }
                BigInteger booked = ledger.spentByReplica(tx, runId, before.canister());
                BigInteger difference = measured.subtract(booked);
                if (difference.signum() != 0) {
                    boolean over = difference.signum() > 0;
                    ledger.record(tx, new CycleEntry.New(runId, run.canister(), before.canister(), null,
                            over ? CycleEntry.Kind.OVERHEAD : CycleEntry.Kind.OVERCOUNT, difference.abs(),
                            change + "; the run's other rows for this replica say " + booked
                                    + (over ? "; the rest is ingress, idle storage and execution outside the backup"
                                            + " canister's counted run" : "; the counter saw more than the balance lost")));
                }
            }
            return null;
        });
    }

    private boolean record(Connection tx, long runId, PrincipalId canister, Role role, Phase phase,
            BalanceProbe.Balance b) throws SQLException {
        if (b instanceof BalanceProbe.Known k) {
            return balances.record(tx, runId, canister, role, phase, k.cycles(), null);
        }
        return balances.record(tx, runId, canister, role, phase, null, ((BalanceProbe.Unreadable) b).reason());
    }

    /**
     * The estimate of an incremental run once its epoch is open: per replica, the chunks that differ
     * from its last sealed generation's epoch as the source lists them. Recorded once as a second
     * estimate row; a resumed run uses the row it finds.
     */
    private BigInteger refinedEstimate(Run run, List<PrincipalId> replicas, Retrier retrier) {
        List<CycleEntry> estimates = db.inTransaction(tx -> ledger.forRun(tx, run.id())).stream()
                .filter(e -> e.kind() == CycleEntry.Kind.ESTIMATE).toList();
        if (estimates.size() > 1) {
            return estimates.get(estimates.size() - 1).amount();
        }
        Run.Image image = run.image().orElseThrow();
        BigInteger epoch = run.epoch().orElseThrow();
        Map<BigInteger, Count> bySince = new HashMap<>();
        BigInteger total = BigInteger.ZERO;
        List<String> lines = new ArrayList<>();
        for (PrincipalId replica : replicas) {
            Optional<Generation> base = db.inTransaction(tx -> generations.latestSealed(tx, replica));
            Count c = base.isEmpty()
                    ? new Count(image.chunkCount(), image.size(), 0, "no sealed generation yet, so all")
                    : bySince.computeIfAbsent(base.get().epoch(), since -> count(run, image, epoch, since, retrier));
            BigInteger overhead = fees.incrementalRunOverhead(c.pages(), c.pages() == 0 ? 0 : c.chunks());
            total = total.add(fees.pullEstimate(c.chunks(), c.bytes())).add(overhead);
            lines.add(replica + ": " + c.why() + " " + c.chunks() + " of " + image.chunkCount() + " chunks ("
                    + c.bytes() + " bytes) + " + overhead + " for sync, begin, end and listing changes");
        }
        BigInteger refined = total;
        db.inTransaction(tx -> ledger.record(tx, new CycleEntry.New(run.id(), run.canister(), null, null,
                CycleEntry.Kind.ESTIMATE, refined, "refined after begin (epoch " + epoch + "), fee table: "
                        + String.join("; ", lines))));
        return refined;
    }

    /** Chunks (and bytes) a replica will fetch, from {@code pages} pages of changes (0: not listed). */
    private record Count(long chunks, long bytes, long pages, String why) {
    }

    private Count count(Run run, Run.Image image, BigInteger epoch, BigInteger since, Retrier retrier) {
        long chunks = 0;
        long pages = 0;
        boolean last = false;
        Optional<Long> start = Optional.empty();
        try {
            do {
                Optional<Long> from = start;
                AppReplicationClient.Changes page = retrier.retrying("replication_changes on " + run.source(),
                        () -> source.changes(run.source(), epoch, since, from));
                chunks += page.indices().size();
                pages++;
                last |= page.indices().contains((long) image.chunkCount() - 1);
                start = page.next();
            } while (start.isPresent());
        } catch (IcException | NotSpeakingProtocol e) {
            String why = e.getMessage() != null && e.getMessage().contains(UNAVAILABLE)
                    ? "the source no longer keeps epoch " + since + " (it keeps the last 8), so the full estimate:"
                    : "the source could not list changes since epoch " + since + " (" + e.getMessage()
                            + "), so the full estimate:";
            return new Count(image.chunkCount(), image.size(), 0, why);
        }
        long bytes = chunks * image.chunkSize();
        if (last) {
            bytes -= (long) image.chunkCount() * image.chunkSize() - image.size();
        }
        return new Count(chunks, bytes, pages, "changed since epoch " + since + ":");
    }
}
