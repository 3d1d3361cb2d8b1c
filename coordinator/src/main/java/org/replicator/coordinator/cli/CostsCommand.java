package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Instant;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.costs.CostReport;
import org.replicator.coordinator.costs.CostReport.StorageCost;
import org.replicator.coordinator.costs.Csv;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.costs.CostReport.Measurement;
import org.replicator.coordinator.costs.CostReport.ReplicaCost;
import org.replicator.coordinator.costs.CostReport.RunCost;
import org.replicator.coordinator.ids.MalformedPrincipalException;
import org.replicator.coordinator.http.UserDocuments;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.RunRepository;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "costs", mixinStandardHelpOptions = true,
        description = {"Shows what runs cost, newest first: the fee-table estimate, what the backup canisters'"
                + " own counters report, and what their balances measured (canister_status before and after),"
                + " per run and per replica, with totals and cycles per GiB fetched; what each replica cost to"
                + " hold per month (GiB-months, cycles per GiB-month); with --user, that user's charges."})
final class CostsCommand implements Callable<Integer> {
    private static final String[] RUNS_HEADER = {"run", "canister", "kind", "state", "replica", "chunks_fetched",
        "bytes_fetched", "estimate", "reported", "overhead", "measured", "before", "topped_up", "after", "cycles_per_gib"};
    private static final String[] STORAGE_HEADER = {"month", "replica", "canister", "user", "byte_seconds", "gib_months",
        "measured", "estimate", "cycles_per_gib_month", "estimate_per_gib_month", "not_measured_because"};
    private static final String[] CHARGES_HEADER = {"entry", "at", "user", "kind", "amount", "estimate", "replica", "run",
        "period_start", "period_end", "byte_seconds", "bytes", "reference", "note"};

    /** Which table {@code --csv} prints: RFC 4180 wants one shape of record per file. */
    enum Table { runs, storage, charges }

    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CANISTER",
            description = "a protected canister's id or name (default: every canister)")
    String canisterArgument;

    @Option(names = "--canister", paramLabel = "C", description = "the same as CANISTER")
    String canisterOption;

    @Option(names = "--user", paramLabel = "P", description = "only runs into this user's backup canisters, their"
            + " storage and their charges")
    String user;

    @Option(names = "--month", paramLabel = "YYYY-MM", description = "only runs started, storage held and charges"
            + " booked in this UTC month")
    String month;

    @Option(names = "--run", paramLabel = "N", description = "only run N")
    Long run;

    @Option(names = "--last", paramLabel = "N", description = "how many of the newest runs (default: 10, or every run"
            + " of the --month)")
    Integer last;

    @Option(names = "--csv", description = "RFC 4180 CSV of one table (--table): a header row, then one record each")
    boolean csv;

    @Option(names = "--table", paramLabel = "TABLE", description = "with --csv: runs (default; one record per run and"
            + " per replica of it), storage (per replica and month) or charges (users' ledger entries)")
    Table table;

    private String canister;

    @Override
    public Integer call() {
        if (last != null && last < 1) {
            throw new CommandFailure(ExitCodes.USAGE, "--last must be at least 1, not " + last);
        }
        if (canisterArgument != null && canisterOption != null && !canisterArgument.equals(canisterOption)) {
            throw new CommandFailure(ExitCodes.USAGE, "CANISTER " + canisterArgument + " and --canister " + canisterOption
                    + " differ; give one");
        }
        canister = canisterArgument != null ? canisterArgument : canisterOption;
        if (table != null && !csv) {
            throw new CommandFailure(ExitCodes.USAGE, "--table chooses what --csv prints; add --csv");
        }
        if (run != null && (user != null || month != null)) {
            throw new CommandFailure(ExitCodes.USAGE, "--run names one run; --user and --month do not apply to it");
        }
        YearMonth inMonth = parseMonth(month);
        PrincipalId userId = parseUser(user);
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            if (csv && session.json()) {
                throw new CommandFailure(ExitCodes.USAGE, "--csv and --json each print the whole report; choose one");
            }
            CostReport report = new CostReport();
            FeeTable fees = FeeTable.load();
            Instant now = Instant.now();
            record Found(List<RunCost> runs, List<StorageCost> storage, List<UserEntry> charges) {
            }
            Found found = session.database().inTransaction(tx -> {
                PrincipalId id = canister == null ? null : resolve(tx);
                if (userId != null && new UserRepository().find(tx, userId).isEmpty()) {
                    throw new CommandFailure(ExitCodes.FAILURE, "there is no user " + userId
                            + "; `replicator user list` shows the users");
                }
                if (run != null) {
                    RunCost c = report.run(tx, run).orElseThrow(() -> new CommandFailure(ExitCodes.FAILURE,
                            "there is no run " + run + "; `replicator costs` lists the recorded runs"));
                    if (id != null && !c.run().canister().equals(id)) {
                        throw new CommandFailure(ExitCodes.FAILURE, "run " + run + " is a run of " + c.run().canister()
                                + ", not of " + canister);
                    }
                    return new Found(List.of(c), List.of(), List.of());
                }
                Integer limit = last != null ? last : inMonth == null ? Integer.valueOf(10) : null;
                CostReport.Filter filter = new CostReport.Filter(id, userId, inMonth, limit);
                boolean wantCharges = userId != null || table == Table.charges;
                return new Found(report.runs(tx, filter), report.storage(tx, filter, fees, now),
                        wantCharges ? report.charges(tx, filter) : List.of());
            });
            List<RunCost> costs = found.runs();
            CostReport.Totals totals = CostReport.totals(costs);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("runs", costs.stream().map(CostsCommand::toJson).toList());
                doc.put("totals", toJson(totals));
                doc.put("storage", found.storage().stream().map(CostsCommand::toJson).toList());
                if (userId != null) {
                    doc.put("charges", found.charges().stream().map(UserDocuments::entry).toList());
                }
                Output.json(out, doc);
            } else if (csv) {
                switch (table == null ? Table.runs : table) {
                    case runs -> printCsv(out, costs);
                    case storage -> printStorageCsv(out, found.storage());
                    case charges -> printChargesCsv(out, found.charges());
                }
            } else {
                boolean filtered = userId != null || inMonth != null;
                printText(out, costs, totals, filtered);
                printStorage(out, found.storage());
                if (userId != null) {
                    printCharges(out, userId, inMonth, found.charges());
                }
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    static YearMonth parseMonth(String month) {
        if (month == null) {
            return null;
        }
        try {
            if (!month.matches("\\d{4}-\\d{2}")) {
                throw new DateTimeParseException("not YYYY-MM", month, 0);
            }
            return YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw new CommandFailure(ExitCodes.USAGE, "--month must be a UTC month as YYYY-MM, like 2026-12, not " + month);
        }
    }

    private static PrincipalId parseUser(String user) {
        if (user == null) {
            return null;
        }
        try {
            return PrincipalId.parse(user);
        } catch (MalformedPrincipalException e) {
            throw new CommandFailure(ExitCodes.USAGE, "--user must be a principal, like 2vxsx-fae, not " + user + ": "
                    + e.getMessage());
        }
    }

    /** A protected canister by id or name, or the id of a removed one whose runs are still recorded. */
    private PrincipalId resolve(java.sql.Connection tx) throws java.sql.SQLException {
        Optional<ProtectedCanister> active = new CanisterRepository().findActiveByIdOrName(tx, canister);
        if (active.isPresent()) {
            return active.get().id();
        }
        try {
            PrincipalId id = PrincipalId.parse(canister);
            if (!new RunRepository().listRecent(tx, id, 1).isEmpty()) {
                return id;
            }
        } catch (RuntimeException notAnId) {
            // a name that no protected canister has; reported below
        }
        throw new CommandFailure(ExitCodes.FAILURE, "no protected canister is called " + canister
                + " and no run of it is recorded; `replicator canister list` shows the protected canisters");
    }

    private static void printText(PrintWriter out, List<RunCost> costs, CostReport.Totals totals, boolean filtered) {
        if (costs.isEmpty()) {
            out.println(filtered ? "no runs match" : "no runs yet; `replicator replicate CANISTER` starts one");
            return;
        }
        for (RunCost c : costs) {
            out.println("run " + c.run().id() + "  " + c.run().canister() + "  " + lower(c.run().kind()) + "  "
                    + lower(c.run().state()) + "  " + c.chunksFetched() + " chunks / " + c.bytesFetched()
                    + " bytes fetched");
            out.println("  estimate " + c.estimate() + c.refinedEstimate().map(r -> " (refined after begin: " + r + ")")
                    .orElse("") + "  reported " + c.reported() + "  measured "
                    + c.measured().map(BigInteger::toString).orElse("-")
                    + c.cyclesPerGib().map(g -> "  " + g + " cycles per GiB replicated").orElse(""));
            for (ReplicaCost r : c.replicas()) {
                out.println("  replica " + r.replica() + "  " + r.chunksFetched() + " chunks / " + r.bytesFetched()
                        + " bytes  reported " + r.reported() + "  overhead " + r.adjustment() + "  measured "
                        + describe(r.balance()));
            }
            out.println("  source " + c.run().canister() + "  measured " + describe(c.source()));
        }
        out.println("total: " + totals.runs() + " run(s), " + totals.chunksFetched() + " chunks / " + totals.bytesFetched()
                + " bytes fetched, estimate " + totals.estimate() + ", reported " + totals.reported() + ", measured "
                + totals.measured() + totals.cyclesPerGibFetched().map(g -> ", " + g + " cycles per GiB fetched")
                        .orElse(""));
    }

    private static String describe(Measurement m) {
        if (m.measured().isPresent()) {
            return m.measured().get() + " (" + m.before().orElseThrow() + " before + " + m.toppedUp() + " topped up − "
                    + m.after().orElseThrow() + " after)";
        }
        return "- (" + m.unknownBecause().orElse("not read") + ")";
    }

    private static void printCsv(PrintWriter out, List<RunCost> costs) {
        out.print(Csv.record((Object[]) RUNS_HEADER));
        for (RunCost c : costs) {
            Object[] head = {c.run().id(), c.run().canister(), lower(c.run().kind()), lower(c.run().state())};
            out.print(Csv.record(head[0], head[1], head[2], head[3], null, c.chunksFetched(), c.bytesFetched(),
                    c.finalEstimate(), c.reported(), c.replicas().stream().map(ReplicaCost::adjustment)
                            .reduce(BigInteger.ZERO, BigInteger::add), c.measured(), null, null, null, c.cyclesPerGib()));
            for (ReplicaCost r : c.replicas()) {
                Measurement m = r.balance();
                out.print(Csv.record(head[0], head[1], head[2], head[3], r.replica(), r.chunksFetched(), r.bytesFetched(),
                        null, r.reported(), r.adjustment(), m.measured(), m.before(), m.toppedUp(), m.after(),
                        m.measured().flatMap(x -> CostReport.perGib(x, r.bytesFetched()))));
            }
        }
    }

    private static void printStorageCsv(PrintWriter out, List<StorageCost> storage) {
        out.print(Csv.record((Object[]) STORAGE_HEADER));
        for (StorageCost s : storage) {
            out.print(Csv.record(s.month(), s.replica(), s.canister(), s.user(), s.byteSeconds(),
                    s.gibMonths().toPlainString(), s.measured(), s.estimate(), s.cyclesPerGibMonth(),
                    s.estimatePerGibMonth(), s.notMeasuredBecause()));
        }
    }

    private static void printChargesCsv(PrintWriter out, List<UserEntry> entries) {
        out.print(Csv.record((Object[]) CHARGES_HEADER));
        for (UserEntry e : entries) {
            out.print(Csv.record(e.id(), e.at(), e.principal(), e.kind().column(), e.amount(), e.estimate(), e.replica(),
                    e.run(), e.periodStart(), e.periodEnd(), e.byteSeconds(), e.bytes(), e.reference(), e.note()));
        }
    }

    private static void printStorage(PrintWriter out, List<StorageCost> storage) {
        if (storage.isEmpty()) {
            return;
        }
        out.println("storage per replica and month (a GiB-month is one GiB held for the whole month):");
        for (StorageCost s : storage) {
            out.println("  " + s.month() + "  replica " + s.replica() + "  " + s.user().map(u -> "user " + u)
                    .orElse("operator") + "  " + s.gibMonths().toPlainString() + " GiB-months  measured "
                    + s.measured().map(m -> m + s.cyclesPerGibMonth().map(g -> " (" + g + " per GiB-month)").orElse(""))
                            .orElse("n/a") + "  estimate " + s.estimate()
                    + s.estimatePerGibMonth().map(g -> " (" + g + " per GiB-month)").orElse(""));
        }
        if (storage.stream().anyMatch(s -> s.notMeasuredBecause().isPresent())) {
            out.println("  n/a: " + CostReport.OPERATOR_STORAGE_NOT_MEASURED);
        }
    }

    private static void printCharges(PrintWriter out, PrincipalId user, YearMonth month, List<UserEntry> entries) {
        out.println("account of " + user + (month == null ? "" : " in " + month) + ":");
        if (entries.isEmpty()) {
            out.println("  no entries");
            return;
        }
        Map<UserEntry.Kind, BigInteger[]> byKind = new java.util.EnumMap<>(UserEntry.Kind.class);
        for (UserEntry e : entries) {
            out.println("  " + e.at() + "  " + e.kind().column() + "  " + e.amount()
                    + e.estimate().map(x -> "  estimate " + x).orElse("")
                    + e.replica().map(r -> "  replica " + r).orElse("") + e.run().map(r -> "  run " + r).orElse("")
                    + e.byteSeconds().map(b -> "  " + b + " byte-seconds").orElse("")
                    + e.bytes().map(b -> "  " + b + " bytes").orElse("")
                    + e.reference().map(r -> "  reference " + r).orElse(""));
            BigInteger[] sum = byKind.computeIfAbsent(e.kind(), k -> new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
            sum[0] = sum[0].add(e.amount());
            sum[1] = sum[1].add(e.estimate().orElse(BigInteger.ZERO));
        }
        StringBuilder line = new StringBuilder("  total:");
        byKind.forEach((k, v) -> line.append(" ").append(k.column()).append(" ").append(v[0])
                .append(k.credits() ? "" : " (estimate " + v[1] + ")").append(","));
        line.setLength(line.length() - 1);
        out.println(line);
    }

    private static Map<String, Object> toJson(StorageCost s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("month", s.month().toString());
        m.put("replica", s.replica().text());
        m.put("canister", s.canister().text());
        m.put("user", s.user().map(PrincipalId::text).orElse(null));
        m.put("byte_seconds", s.byteSeconds().toString());
        m.put("gib_months", s.gibMonths().toPlainString());
        m.put("measured", s.measured().map(BigInteger::toString).orElse(null));
        m.put("estimate", s.estimate().toString());
        m.put("cycles_per_gib_month", s.cyclesPerGibMonth().map(BigInteger::toString).orElse(null));
        m.put("estimate_per_gib_month", s.estimatePerGibMonth().map(BigInteger::toString).orElse(null));
        m.put("not_measured_because", s.notMeasuredBecause().orElse(null));
        return m;
    }

    static Map<String, Object> toJson(RunCost c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", c.run().id());
        m.put("canister", c.run().canister().text());
        m.put("kind", lower(c.run().kind()));
        m.put("state", lower(c.run().state()));
        m.put("chunks_fetched", c.chunksFetched());
        m.put("bytes_fetched", c.bytesFetched());
        m.put("estimate", c.estimate().toString());
        m.put("refined_estimate", c.refinedEstimate().map(BigInteger::toString).orElse(null));
        m.put("reported", c.reported().toString());
        m.put("measured", c.measured().map(BigInteger::toString).orElse(null));
        m.put("cycles_per_gib", c.cyclesPerGib().map(BigInteger::toString).orElse(null));
        List<Map<String, Object>> replicas = new ArrayList<>();
        for (ReplicaCost r : c.replicas()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("replica", r.replica().text());
            x.put("chunks_fetched", r.chunksFetched());
            x.put("chunks_reused", r.chunksReused());
            x.put("bytes_fetched", r.bytesFetched());
            x.put("reported", r.reported().toString());
            x.put("overhead", r.adjustment().toString());
            x.putAll(toJson(r.balance()));
            x.put("cycles_per_gib", r.balance().measured().flatMap(b -> CostReport.perGib(b, r.bytesFetched()))
                    .map(BigInteger::toString).orElse(null));
            replicas.add(x);
        }
        m.put("replicas", replicas);
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("canister", c.run().canister().text());
        source.putAll(toJson(c.source()));
        m.put("source", source);
        return m;
    }

    private static Map<String, Object> toJson(Measurement b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("measured", b.measured().map(BigInteger::toString).orElse(null));
        m.put("before", b.before().map(BigInteger::toString).orElse(null));
        m.put("topped_up", b.toppedUp().toString());
        m.put("after", b.after().map(BigInteger::toString).orElse(null));
        m.put("not_measured_because", b.unknownBecause().orElse(null));
        return m;
    }

    private static Map<String, Object> toJson(CostReport.Totals t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runs", t.runs());
        m.put("chunks_fetched", t.chunksFetched());
        m.put("bytes_fetched", t.bytesFetched());
        m.put("estimate", t.estimate().toString());
        m.put("reported", t.reported().toString());
        m.put("measured", t.measured().toString());
        m.put("cycles_per_gib_fetched", t.cyclesPerGibFetched().map(BigInteger::toString).orElse(null));
        return m;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase();
    }
}
