package org.replicator.coordinator.costs;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunBalances;
import org.replicator.coordinator.store.RunBalances.Phase;
import org.replicator.coordinator.store.RunBalances.Reading;
import org.replicator.coordinator.store.RunFetches;
import org.replicator.coordinator.store.RunRepository;
import org.replicator.coordinator.store.StorageHeld;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;

/**
 * What runs cost, from the database only: the estimate, the backup canisters' own counters
 * (reported) and the balance changes (measured), per run and per replica; what replicas cost to
 * hold, per replica and month; and what users were charged. See docs/coordinator.md, "Costs", and
 * docs/cli.md, {@code replicator costs}.
 */
public final class CostReport {
    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);

    private final CycleLedger ledger = new CycleLedger();
    private final RunBalances balances = new RunBalances();
    private final RunFetches fetches = new RunFetches();
    private final RunRepository runs = new RunRepository();
    private final StorageHeld held = new StorageHeld();
    private final UserLedger userLedger = new UserLedger();
    private static final BigInteger GIB_BYTES = BigInteger.ONE.shiftLeft(30);

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

        /** Measured cycles per GiB the replicas pulled, when the run was measured and pulled anything. */
        public Optional<BigInteger> cyclesPerGib() {
            return measured.flatMap(m -> perGib(m, bytesFetched));
        }
    }

    /**
     * What the report covers; null fields do not narrow it.
     *
     * @param user only runs into the user's replicas (and of those, only their replicas), their
     *             replicas' storage and their charges
     * @param month runs started, storage held and charges booked in this UTC month
     * @param limit at most this many runs, newest first
     */
    public record Filter(PrincipalId canister, PrincipalId user, YearMonth month, Integer limit) {

        public Instant from() {
            return month == null ? null : month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        }

        public Instant to() {
            return month == null ? null : month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        }
    }

    /**
     * What one replica cost to hold in one UTC month. A GiB-month is one GiB held for the whole
     * calendar month. {@code measured} is what its user was charged for storage (their storage
     * readings); an operator's replica has no storage measurement of its own, so it is empty and
     * {@code notMeasuredBecause} says why.
     */
    public record StorageCost(YearMonth month, PrincipalId replica, PrincipalId canister, Optional<PrincipalId> user,
            BigInteger byteSeconds, Optional<BigInteger> measured, BigInteger estimate,
            Optional<String> notMeasuredBecause) {

        public BigDecimal gibMonths() {
            return CostReport.gibMonths(byteSeconds, month);
        }

        public Optional<BigInteger> cyclesPerGibMonth() {
            return measured.flatMap(m -> perGibMonth(m, byteSeconds, month));
        }

        public Optional<BigInteger> estimatePerGibMonth() {
            return perGibMonth(estimate, byteSeconds, month);
        }
    }

    /** Why an operator's replica has no measured storage cost. */
    public static final String OPERATOR_STORAGE_NOT_MEASURED = "an operator's replica is not charged storage on its"
            + " own: its balance is read around runs only, so what it pays to hold its generations is not told apart";

    /** The runs the filter selects, newest first; with a user, each run shows only that user's replicas. */
    public List<RunCost> runs(Connection tx, Filter f) throws SQLException {
        Predicate<PrincipalId> include = x -> true;
        if (f.user() != null) {
            Set<PrincipalId> owned = new LinkedHashSet<>();
            new ReplicaRepository().ownedBy(tx, f.user()).forEach(r -> owned.add(r.id()));
            include = owned::contains;
        }
        List<RunCost> result = new ArrayList<>();
        for (Run r : runs.listFiltered(tx, f.canister(), f.user(), f.from(), f.to(), f.limit())) {
            result.add(of(tx, r, include));
        }
        return result;
    }

    /**
     * Storage per replica and month, oldest month first. Users' replicas: from their storage
     * charges, each split over the months its period covers in proportion to time. Operators'
     * replicas (only when no user is asked for): each sealed generation's size from when it was
     * sealed until it was deleted or {@code now}; generations share unchanged chunks, which the
     * canister stores once, so this is an upper bound of what it holds.
     */
    public List<StorageCost> storage(Connection tx, Filter f, FeeTable fees, Instant now) throws SQLException {
        Instant from = f.from();
        Instant to = f.to() == null || f.to().isAfter(now) ? now : f.to();
        record Key(YearMonth month, PrincipalId replica) {
        }
        final class Sum {
            PrincipalId canister;
            Optional<PrincipalId> user;
            BigInteger byteSeconds = BigInteger.ZERO;
            BigInteger measured = BigInteger.ZERO;
            BigInteger estimate = BigInteger.ZERO;
        }
        Map<Key, Sum> sums = new TreeMap<>((a, b) -> a.month().compareTo(b.month()) != 0 ? a.month().compareTo(b.month())
                : a.replica().text().compareTo(b.replica().text()));
        for (StorageHeld.Charge c : held.storageCharges(tx, f.canister(), f.user(), f.from(), f.to())) {
            UserEntry e = c.entry();
            Instant start = e.periodStart().orElseThrow();
            Instant end = e.periodEnd().orElseThrow();
            Map<YearMonth, Long> millis = millisByMonth(start, end);
            List<YearMonth> months = new ArrayList<>(millis.keySet());
            List<Long> weights = months.stream().map(millis::get).toList();
            BigInteger byteSeconds = e.byteSeconds().orElse(BigInteger.ZERO);
            List<BigInteger> bs = apportion(byteSeconds, weights);
            List<BigInteger> amounts = apportion(e.amount(), weights);
            List<BigInteger> estimates = apportion(e.estimate().orElseGet(() -> fees.storageEstimate(byteSeconds)),
                    weights);
            for (int i = 0; i < months.size(); i++) {
                if (f.month() != null && !months.get(i).equals(f.month())) {
                    continue;
                }
                Sum s = sums.computeIfAbsent(new Key(months.get(i), e.replica().orElseThrow()), k -> new Sum());
                s.canister = c.canister();
                s.user = Optional.of(e.principal());
                s.byteSeconds = s.byteSeconds.add(bs.get(i));
                s.measured = s.measured.add(amounts.get(i));
                s.estimate = s.estimate.add(estimates.get(i));
            }
        }
        Map<PrincipalId, PrincipalId> canisterOf = new LinkedHashMap<>();
        if (f.user() == null) {
            ReplicaRepository replicas = new ReplicaRepository();
            for (StorageHeld.Held h : held.generations(tx, f.canister(), null, true, from, to)) {
                Instant start = from != null && from.isAfter(h.from()) ? from : h.from();
                Instant end = h.until().filter(u -> u.isBefore(to)).orElse(to);
                if (!end.isAfter(start)) {
                    continue;
                }
                PrincipalId canister = canisterOf.get(h.replica());
                if (canister == null) {
                    canister = replicas.find(tx, h.replica()).map(Replica::source).orElseThrow();
                    canisterOf.put(h.replica(), canister);
                }
                for (Map.Entry<YearMonth, Long> m : millisByMonth(start, end).entrySet()) {
                    Sum s = sums.computeIfAbsent(new Key(m.getKey(), h.replica()), k -> new Sum());
                    s.canister = canisterOf.get(h.replica());
                    s.user = Optional.empty();
                    s.byteSeconds = s.byteSeconds.add(BigInteger.valueOf(h.size()).multiply(BigInteger.valueOf(m.getValue()))
                            .divide(BigInteger.valueOf(1000)));
                }
            }
        }
        List<StorageCost> result = new ArrayList<>();
        for (Map.Entry<Key, Sum> e : sums.entrySet()) {
            Sum s = e.getValue();
            if (s.user.isPresent()) {
                result.add(new StorageCost(e.getKey().month(), e.getKey().replica(), s.canister, s.user, s.byteSeconds,
                        Optional.of(s.measured), s.estimate, Optional.empty()));
            } else {
                result.add(new StorageCost(e.getKey().month(), e.getKey().replica(), s.canister, s.user, s.byteSeconds,
                        Optional.empty(), fees.storageEstimate(s.byteSeconds), Optional.of(OPERATOR_STORAGE_NOT_MEASURED)));
            }
        }
        return result;
    }

    /**
     * A user's ledger entries in the filter's month (all time without one), oldest first; with a
     * canister, only the charges for that canister's replicas. With no user, every user's.
     */
    public List<UserEntry> charges(Connection tx, Filter f) throws SQLException {
        List<UserEntry> entries = f.user() == null ? userLedger.allEntries(tx, f.from(), f.to())
                : userLedger.entries(tx, f.user(), f.from(), f.to());
        if (f.canister() == null) {
            return entries;
        }
        ReplicaRepository replicas = new ReplicaRepository();
        List<UserEntry> result = new ArrayList<>();
        for (UserEntry e : entries) {
            if (e.replica().isPresent()
                    && replicas.find(tx, e.replica().get()).map(r -> r.source().equals(f.canister())).orElse(false)) {
                result.add(e);
            }
        }
        return result;
    }

    /** Milliseconds of {@code [from, to)} in each UTC month it touches, in order. */
    public static Map<YearMonth, Long> millisByMonth(Instant from, Instant to) {
        Map<YearMonth, Long> result = new LinkedHashMap<>();
        Instant at = from;
        while (at.isBefore(to)) {
            YearMonth m = YearMonth.from(at.atZone(ZoneOffset.UTC));
            Instant next = m.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            Instant end = next.isBefore(to) ? next : to;
            result.put(m, end.toEpochMilli() - at.toEpochMilli());
            at = end;
        }
        return result;
    }

    /**
     * {@code total} split in proportion to {@code weights}, each share rounded down and the last
     * taking what rounding left, so the shares add up to the total exactly.
     */
    public static List<BigInteger> apportion(BigInteger total, List<Long> weights) {
        BigInteger sum = weights.stream().map(BigInteger::valueOf).reduce(BigInteger.ZERO, BigInteger::add);
        List<BigInteger> shares = new ArrayList<>();
        BigInteger given = BigInteger.ZERO;
        for (int i = 0; i < weights.size(); i++) {
            BigInteger share = i == weights.size() - 1 ? total.subtract(given)
                    : sum.signum() == 0 ? BigInteger.ZERO : total.multiply(BigInteger.valueOf(weights.get(i))).divide(sum);
            shares.add(share);
            given = given.add(share);
        }
        return shares;
    }

    /** Seconds in the calendar month: a GiB-month is one GiB held for all of them. */
    public static long secondsIn(YearMonth month) {
        LocalDate first = month.atDay(1);
        return (first.plusMonths(1).toEpochDay() - first.toEpochDay()) * 86_400L;
    }

    /** Byte-seconds as GiB-months of {@code month}, to six decimals. */
    public static BigDecimal gibMonths(BigInteger byteSeconds, YearMonth month) {
        return new BigDecimal(byteSeconds).divide(new BigDecimal(GIB_BYTES.multiply(BigInteger.valueOf(secondsIn(month)))),
                6, RoundingMode.HALF_UP);
    }

    /** Cycles per GiB-month: {@code cycles} over the GiB-months the byte-seconds make; empty when nothing was held. */
    public static Optional<BigInteger> perGibMonth(BigInteger cycles, BigInteger byteSeconds, YearMonth month) {
        if (byteSeconds.signum() == 0) {
            return Optional.empty();
        }
        return Optional.of(new BigDecimal(cycles.multiply(GIB_BYTES).multiply(BigInteger.valueOf(secondsIn(month))))
                .divide(new BigDecimal(byteSeconds), 0, RoundingMode.HALF_UP).toBigIntegerExact());
    }

    /** Cycles per GiB: {@code cycles} over {@code bytes} GiB; empty when no bytes. */
    public static Optional<BigInteger> perGib(BigInteger cycles, long bytes) {
        return bytes == 0 ? Optional.empty()
                : Optional.of(new BigDecimal(cycles).multiply(GIB).divide(BigDecimal.valueOf(bytes), 0, RoundingMode.HALF_UP)
                        .toBigIntegerExact());
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
        return of(tx, run, x -> true);
    }

    /** A run's costs, counting only the replicas {@code include} accepts. */
    public RunCost of(Connection tx, Run run, Predicate<PrincipalId> include) throws SQLException {
        List<CycleEntry> entries = ledger.forRun(tx, run.id());
        List<BigInteger> estimates = entries.stream().filter(e -> e.kind() == CycleEntry.Kind.ESTIMATE)
                .map(CycleEntry::amount).toList();
        List<Reading> readings = balances.forRun(tx, run.id());
        List<RunFetches.Fetch> fetched = fetches.forRun(tx, run.id());
        Set<PrincipalId> replicaIds = new LinkedHashSet<>();
        runs.parts(tx, run.id()).stream().map(RunRepository.Part::replica).filter(include).forEach(replicaIds::add);
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
        return new Totals(costs.size(), chunks, bytes, estimate, reported, measured, perGib(measured, measuredBytes));
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
