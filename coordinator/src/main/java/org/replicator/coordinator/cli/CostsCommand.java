package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.costs.CostReport;
import org.replicator.coordinator.costs.CostReport.Measurement;
import org.replicator.coordinator.costs.CostReport.ReplicaCost;
import org.replicator.coordinator.costs.CostReport.RunCost;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.RunRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "costs", mixinStandardHelpOptions = true,
        description = {"Shows what runs cost, newest first: the fee-table estimate, what the backup canisters'"
                + " own counters report, and what their balances measured (canister_status before and after),"
                + " per run and per replica, with totals and cycles per GiB fetched."})
final class CostsCommand implements Callable<Integer> {
    private static final String CSV_HEADER = "run,canister,kind,state,replica,chunks_fetched,bytes_fetched,estimate,"
            + "reported,overhead,measured,before,topped_up,after";

    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CANISTER",
            description = "a protected canister's id or name (default: every canister)")
    String canister;

    @Option(names = "--run", paramLabel = "N", description = "only run N")
    Long run;

    @Option(names = "--last", paramLabel = "N", description = "how many of the newest runs (default: 10)")
    int last = 10;

    @Option(names = "--csv", description = "a CSV header and one row per run and per replica of it")
    boolean csv;

    @Override
    public Integer call() {
        if (last < 1) {
            throw new CommandFailure(ExitCodes.USAGE, "--last must be at least 1, not " + last);
        }
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            if (csv && session.json()) {
                throw new CommandFailure(ExitCodes.USAGE, "--csv and --json each print the whole report; choose one");
            }
            CostReport report = new CostReport();
            List<RunCost> costs = session.database().inTransaction(tx -> {
                PrincipalId id = canister == null ? null : resolve(tx);
                if (run != null) {
                    RunCost c = report.run(tx, run).orElseThrow(() -> new CommandFailure(ExitCodes.FAILURE,
                            "there is no run " + run + "; `replicator costs` lists the recorded runs"));
                    if (id != null && !c.run().canister().equals(id)) {
                        throw new CommandFailure(ExitCodes.FAILURE, "run " + run + " is a run of " + c.run().canister()
                                + ", not of " + canister);
                    }
                    return List.of(c);
                }
                return report.recent(tx, id, last);
            });
            CostReport.Totals totals = CostReport.totals(costs);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("runs", costs.stream().map(CostsCommand::toJson).toList());
                doc.put("totals", toJson(totals));
                Output.json(out, doc);
            } else if (csv) {
                printCsv(out, costs);
            } else {
                printText(out, costs, totals);
            }
            out.flush();
        }
        return ExitCodes.OK;
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

    private static void printText(PrintWriter out, List<RunCost> costs, CostReport.Totals totals) {
        if (costs.isEmpty()) {
            out.println("no runs yet; `replicator replicate CANISTER` starts one");
            return;
        }
        for (RunCost c : costs) {
            out.println("run " + c.run().id() + "  " + c.run().canister() + "  " + lower(c.run().kind()) + "  "
                    + lower(c.run().state()) + "  " + c.chunksFetched() + " chunks / " + c.bytesFetched()
                    + " bytes fetched");
            out.println("  estimate " + c.estimate() + c.refinedEstimate().map(r -> " (refined after begin: " + r + ")")
                    .orElse("") + "  reported " + c.reported() + "  measured "
                    + c.measured().map(BigInteger::toString).orElse("-"));
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
        out.println(CSV_HEADER);
        for (RunCost c : costs) {
            String head = c.run().id() + "," + c.run().canister() + "," + lower(c.run().kind()) + ","
                    + lower(c.run().state()) + ",";
            out.println(head + "," + c.chunksFetched() + "," + c.bytesFetched() + "," + c.finalEstimate() + ","
                    + c.reported() + "," + c.replicas().stream().map(ReplicaCost::adjustment)
                            .reduce(BigInteger.ZERO, BigInteger::add)
                    + "," + c.measured().map(BigInteger::toString).orElse("") + ",,,");
            for (ReplicaCost r : c.replicas()) {
                Measurement m = r.balance();
                out.println(head + r.replica() + "," + r.chunksFetched() + "," + r.bytesFetched() + ",," + r.reported()
                        + "," + r.adjustment() + "," + m.measured().map(BigInteger::toString).orElse("") + ","
                        + m.before().map(BigInteger::toString).orElse("") + "," + m.toppedUp() + ","
                        + m.after().map(BigInteger::toString).orElse(""));
            }
        }
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
