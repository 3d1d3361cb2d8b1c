package org.replicator.coordinator.costs;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunBalances;
import org.replicator.coordinator.store.RunBalances.Phase;
import org.replicator.coordinator.store.RunBalances.Reading;
import org.replicator.coordinator.store.RunFetches;
import org.replicator.coordinator.store.RunRepository;

/**
 * What runs cost, from the database only: the estimate, the backup canisters' own counters
 * (reported) and the balance changes (measured), per run and per replica. See
 * docs/coordinator.md, "Costs".
 */
public final class CostReport {
    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);

    private final CycleLedger ledger = new CycleLedger();
    private final RunBalances balances = new RunBalances();
    private final RunFetches fetches = new RunFetches();
    private final RunRepository runs = new RunRepository();

    /** A balance change: {@code measured = before + toppedUp − after}, or why it is not known. */
    public record Measurement(Optional<BigInteger> before, BigInteger toppedUp, Optional<BigInteger> after,
            Optional<BigInteger> measured, Optional<String> unknownBecause) {

        static Measurement notRead() {
            return new Measurement(Optional.empty(), BigInteger.ZERO, Optional.empty(), Optional.empty(),
                    Optional.of("balances were not read for this run"));
        }
    }

    public record ReplicaCost(PrincipalId replica, long chunksFetched, long chunksReused, long bytesFetched,
            BigInteger reported, BigInteger adjustment, Measurement balance) {
    }

    /**
     * @param estimate the fee table's forecast at plan time
     * @param refinedEstimate an incremental run's forecast once the source listed its changes
     * @param reported the sum of the backup canisters' own counters (transfer rows)
     * @param measured the sum of the replicas' balance changes, when every one was read
     */
    public record RunCost(Run run, BigInteger estimate, Optional<BigInteger> refinedEstimate, long chunksFetched,
            long bytesFetched, BigInteger reported, Optional<BigInteger> measured, Measurement source,
            List<ReplicaCost> replicas) {

        public BigInteger finalEstimate() {
            return refinedEstimate.orElse(estimate);
        }
    }

    public record Totals(int runs, long chunksFetched, long bytesFetched, BigInteger estimate, BigInteger reported,
            BigInteger measured, Optional<BigInteger> cyclesPerGibFetched) {
    }

    public List<RunCost> recent(Connection tx, PrincipalId canister, int limit) throws SQLException {
        List<RunCost> result = new ArrayList<>();
        for (Run r : runs.listRecent(tx, canister, limit)) {
            result.add(of(tx, r));
        }
        return result;
    }

    public Optional<RunCost> run(Connection tx, long runId) throws SQLException {
        Optional<Run> r = runs.find(tx, runId);
        return r.isEmpty() ? Optional.empty() : Optional.of(of(tx, r.get()));
    }

    public RunCost of(Connection tx, Run run) throws SQLException {
        List<CycleEntry> entries = ledger.forRun(tx, run.id());
        List<BigInteger> estimates = entries.stream().filter(e -> e.kind() == CycleEntry.Kind.ESTIMATE)
                .map(CycleEntry::amount).toList();
        List<Reading> readings = balances.forRun(tx, run.id());
        List<RunFetches.Fetch> fetched = fetches.forRun(tx, run.id());
        Set<PrincipalId> replicaIds = new LinkedHashSet<>();
        runs.parts(tx, run.id()).forEach(p -> replicaIds.add(p.replica()));
        List<ReplicaCost> replicas = new ArrayList<>();
        BigInteger reported = BigInteger.ZERO;
        BigInteger measured = BigInteger.ZERO;
        boolean allMeasured = !replicaIds.isEmpty();
        long chunks = 0;
        long bytes = 0;
        for (PrincipalId id : replicaIds) {
            Optional<RunFetches.Fetch> f = fetched.stream().filter(x -> x.replica().equals(id)).findFirst();
            BigInteger transfer = sum(entries, id, CycleEntry.Kind.TRANSFER);
            BigInteger adjustment = sum(entries, id, CycleEntry.Kind.OVERHEAD).subtract(sum(entries, id,
                    CycleEntry.Kind.OVERCOUNT));
            Measurement m = measure(tx, readings, id);
            replicas.add(new ReplicaCost(id, f.map(RunFetches.Fetch::chunksFetched).orElse(0L),
                    f.map(RunFetches.Fetch::chunksReused).orElse(0L), f.map(RunFetches.Fetch::bytesFetched).orElse(0L),
                    transfer, adjustment, m));
            reported = reported.add(transfer);
            chunks += f.map(RunFetches.Fetch::chunksFetched).orElse(0L);
            bytes += f.map(RunFetches.Fetch::bytesFetched).orElse(0L);
            if (m.measured().isPresent()) {
                measured = measured.add(m.measured().get());
            } else {
                allMeasured = false;
            }
        }
        return new RunCost(run, estimates.isEmpty() ? BigInteger.ZERO : estimates.get(0),
                estimates.size() > 1 ? Optional.of(estimates.get(estimates.size() - 1)) : Optional.empty(), chunks, bytes,
                reported, allMeasured ? Optional.of(measured) : Optional.empty(), measure(tx, readings, run.source()),
                replicas);
    }

    public static Totals totals(List<RunCost> costs) {
        long chunks = 0;
        long bytes = 0;
        BigInteger estimate = BigInteger.ZERO;
        BigInteger reported = BigInteger.ZERO;
        BigInteger measured = BigInteger.ZERO;
        long measuredBytes = 0;
        for (RunCost c : costs) {
            chunks += c.chunksFetched();
            bytes += c.bytesFetched();
            estimate = estimate.add(c.finalEstimate());
            reported = reported.add(c.reported());
            if (c.measured().isPresent()) {
                measured = measured.add(c.measured().get());
                measuredBytes += c.bytesFetched();
            }
        }
        Optional<BigInteger> perGib = measuredBytes == 0 ? Optional.empty()
                : Optional.of(new BigDecimal(measured).multiply(GIB)
                        .divide(BigDecimal.valueOf(measuredBytes), 0, RoundingMode.HALF_UP).toBigIntegerExact());
        return new Totals(costs.size(), chunks, bytes, estimate, reported, measured, perGib);
    }

    private static BigInteger sum(List<CycleEntry> entries, PrincipalId replica, CycleEntry.Kind kind) {
        return entries.stream().filter(e -> e.kind() == kind && e.replica().map(replica::equals).orElse(false))
                .map(CycleEntry::amount).reduce(BigInteger.ZERO, BigInteger::add);
    }

    private Measurement measure(Connection tx, List<Reading> readings, PrincipalId canister) throws SQLException {
        Optional<Reading> before = readings.stream()
                .filter(r -> r.canister().equals(canister) && r.phase() == Phase.BEFORE).findFirst();
        Optional<Reading> after = readings.stream()
                .filter(r -> r.canister().equals(canister) && r.phase() == Phase.AFTER).findFirst();
        if (before.isEmpty()) {
            return Measurement.notRead();
        }
        Optional<BigInteger> b = before.get().cycles();
        Optional<BigInteger> a = after.flatMap(Reading::cycles);
        Optional<String> why = before.get().unreadable()
                .or(() -> after.isEmpty() ? Optional.of("the balance after the run has not been read yet")
                        : after.get().unreadable());
        if (b.isEmpty() || a.isEmpty()) {
            return new Measurement(b, BigInteger.ZERO, a, Optional.empty(), why);
        }
        BigInteger topped = ledger.toppedUp(tx, canister, before.get().readAt(), after.get().readAt());
        return new Measurement(b, topped, a, Optional.of(b.get().add(topped).subtract(a.get())), Optional.empty());
    }
}
