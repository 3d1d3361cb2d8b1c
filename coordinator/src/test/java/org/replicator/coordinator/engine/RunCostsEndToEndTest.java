package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.costs.BalanceProbe;
import org.replicator.coordinator.costs.CostReconciler;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.ids.Principal;

/**
 * What runs cost, measured against the real canisters: every replica's ledger rows for a run add
 * up to its balance change, the incremental estimate refined from the source's list of changes
 * bounds the pull from above, the budget is held against it, a resumed run keeps its first
 * balance reading, and {@code replicator costs} reports all of it.
 */
class RunCostsEndToEndTest extends WorldTest {
    private static final BigInteger TOP_UP = BigInteger.valueOf(1_000_000_000_000L);
    @Test
    void eachReplicasRowsForARunAddUpToItsBalanceChangeAndTheRefinedIncrementalEstimateBoundsThePull() throws Exception {
        Principal app = world.demoApp(4, 31);
        ok(cli("canister", "add", app.toString(), "--name", "demo"));
        List<PrincipalId> replicas = List.of(createReplica("demo"), createReplica("demo"));

        Map<PrincipalId, BigInteger> before = balances(replicas);
        ok(cli("replicate", "demo", "--full"));
        Map<PrincipalId, BigInteger> after = balances(replicas);
        assertRowsAddUpToBalanceChange(1, replicas, before, after, Map.of());
        assertEquals(1L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE run_id = 1 AND kind = 'execution'"
                + " AND replica_id IS NULL"), "the coordinator controls the source, so its balance change is booked");

        world.mutate(app, 4 * 1024 * 1024 / 100, 13);
        BigInteger fullEstimate = big(scalar(db, "SELECT amount FROM cycle_ledger WHERE run_id = 1 AND kind = 'estimate'"));
        // below the full estimate, so a budget held against the upper bound would refuse this run
        BigInteger budget = fullEstimate.divide(BigInteger.valueOf(4));
        PrincipalId toppedUp = replicas.get(0);
        before = balances(replicas);
        Run incremental = driveIncremental(app, budget, toppedUp);
        after = balances(replicas);
        assertEquals(Run.State.SEALED, incremental.state(), incremental.error().orElse(""));
        assertRowsAddUpToBalanceChange(incremental.id(), replicas, before, after, Map.of(toppedUp, TOP_UP));

        List<List<Object>> estimates = rows(db, "SELECT amount, note FROM cycle_ledger WHERE run_id = " + incremental.id()
                + " AND kind = 'estimate' ORDER BY entry_id");
        assertEquals(2, estimates.size(), "the plan's estimate and the refined one");
        BigInteger upperBound = big(estimates.get(0).get(0));
        BigInteger refined = big(estimates.get(1).get(0));
        assertTrue(((String) estimates.get(1).get(1)).startsWith("refined after begin"), (String) estimates.get(1).get(1));
        FeeTable fees = FeeTable.load();
        BigInteger fetchedAtFeeTable = BigInteger.ZERO;
        for (List<Object> f : rows(db, "SELECT chunks_fetched, bytes_fetched FROM run_fetches WHERE run_id = "
                + incremental.id())) {
            fetchedAtFeeTable = fetchedAtFeeTable.add(fees.pullEstimate((Long) f.get(0), (Long) f.get(1)));
        }
        BigInteger reported = big(scalar(db, "SELECT sum(amount) FROM cycle_ledger WHERE run_id = " + incremental.id()
                + " AND kind = 'transfer'"));
        BigInteger measuredRun = BigInteger.ZERO;
        for (PrincipalId r : replicas) {
            measuredRun = measuredRun.add(big(scalar(db, "SELECT b.cycles - a.cycles FROM run_balances b JOIN run_balances a"
                    + " USING (run_id, canister_id) WHERE b.phase = 'before' AND a.phase = 'after' AND run_id = "
                    + incremental.id() + " AND canister_id = '" + r + "'")));
        }
        measuredRun = measuredRun.add(TOP_UP);
        assertTrue(refined.compareTo(upperBound) < 0, "refined " + refined + " < full " + upperBound);
        assertTrue(refined.compareTo(fetchedAtFeeTable) >= 0, "refined " + refined + " ≥ the chunks fetched at the fee"
                + " table's price " + fetchedAtFeeTable);
        assertTrue(refined.compareTo(measuredRun) >= 0, "refined " + refined + " ≥ the measured cost " + measuredRun);
        System.out.printf("incremental estimate: full %d, refined %d (%.1f %% of full); chunks fetched at fee-table"
                + " price %d (refined / that = %.2f); measured %d (refined / measured = %.2f); counters %d%n",
                upperBound, refined, 100.0 * refined.doubleValue() / upperBound.doubleValue(), fetchedAtFeeTable,
                refined.doubleValue() / fetchedAtFeeTable.doubleValue(), measuredRun,
                refined.doubleValue() / measuredRun.doubleValue(), reported);

        // the report, three ways
        CliRunner.Result text = ok(cli("costs", "demo"));
        assertTrue(text.out().contains("run " + incremental.id() + "  " + app + "  incremental  sealed"), text.out());
        assertTrue(text.out().contains("refined after begin: " + refined), text.out());
        for (PrincipalId r : replicas) {
            assertTrue(text.out().contains("replica " + r), text.out());
        }
        assertTrue(text.out().contains("total: 2 run(s)") && text.out().contains("cycles per GiB fetched"), text.out());
        System.out.println(text.out());

        JsonNode doc = new ObjectMapper().readTree(ok(cli("costs", "demo", "--json")).out());
        assertEquals(2, doc.get("runs").size());
        JsonNode newest = doc.get("runs").get(0);
        assertEquals(incremental.id(), newest.get("run").asLong(), "newest first");
        assertEquals(refined.toString(), newest.get("refined_estimate").asText());
        assertEquals(reported.toString(), newest.get("reported").asText());
        BigInteger measured = BigInteger.ZERO;
        for (JsonNode r : newest.get("replicas")) {
            measured = measured.add(new BigInteger(r.get("measured").asText()));
            assertEquals(new BigInteger(r.get("measured").asText()), new BigInteger(r.get("reported").asText())
                    .add(new BigInteger(r.get("overhead").asText())), "measured = reported + overhead for " + r);
        }
        assertEquals(measured.toString(), newest.get("measured").asText());
        assertTrue(doc.get("totals").get("cycles_per_gib_fetched").asLong() > 0, doc.toString());

        String[] csv = ok(cli("costs", "demo", "--csv")).out().strip().split("\n");
        assertTrue(csv[0].startsWith("run,canister,kind,state,replica,chunks_fetched,bytes_fetched,estimate,reported,"),
                csv[0]);
        assertEquals(1 + 2 * 3, csv.length, "a header, then per run one line and one per replica");
        assertTrue(csv[1].startsWith(incremental.id() + "," + app + ",incremental,sealed,,"), csv[1]);

        JsonNode one = new ObjectMapper().readTree(ok(cli("costs", "--run", "1", "--json")).out());
        assertEquals(1, one.get("runs").size());
        assertEquals("full", one.get("runs").get(0).get("kind").asText());

        CliRunner.Result unknown = cli("costs", "nosuch");
        assertEquals(ExitCodes.FAILURE, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("no protected canister is called nosuch"), unknown.err());
        CliRunner.Result noRun = cli("costs", "--run", "99");
        assertEquals(ExitCodes.FAILURE, noRun.code(), noRun.err());
        assertTrue(noRun.err().contains("there is no run 99"), noRun.err());
    }

    @Test
    void anIncrementalRunWhoseRefinedEstimateExceedsTheBudgetFailsBeforeAnyReplicaPulls() {
        Principal app = world.demoApp(1, 33);
        ok(cli("canister", "add", app.toString()));
        PrincipalId replica = createReplica(app.toString());
        ok(cli("replicate", app.toString()));
        long backupRun = world.backups.status(replica).run().orElseThrow().id();
        world.mutate(app, 10_000, 17);

        CliRunner.Result r = cli("replicate", app.toString(), "--incremental", "--budget", "1000");
        assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("estimated at") && r.out().contains("changed since each replica's last generation")
                && r.out().contains("the budget is 1000") && r.out().contains("nothing was pulled"), r.out());
        assertEquals("failed", scalar(db, "SELECT state FROM runs WHERE run_id = 2"));
        assertEquals(backupRun, world.backups.status(replica).run().orElseThrow().id(),
                "the backup canister was never told to sync");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE run_id = 2 AND kind <> 'estimate'"));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM run_balances WHERE run_id = 2"));
        assertTrue(new AppReplicationClient(world.gateway).status(ReplicationWorld.id(app)).openEpoch().isEmpty(),
                "the coordinator released the epoch it opened");
    }

    @Test
    void aResumedRunKeepsTheBalanceReadBeforeItsCoordinatorStoppedAndStillAddsUp() {
        Principal app = world.demoApp(1, 35);
        ok(cli("canister", "add", app.toString()));
        PrincipalId replica = createReplica(app.toString());
        Map<PrincipalId, BigInteger> before = balances(List.of(replica));
        AtomicReference<ReplicationEngine> first = new AtomicReference<>();
        RunProgress stopWhenPulling = new RunProgress() {
            @Override
            public void state(Run run) {
                if (run.state() == Run.State.PULLING) {
                    first.get().stop();
                }
            }
        };
        Run stopped;
        try (Database database = Database.open(db); IcGateway gateway = gateway()) {
            first.set(engine(database, gateway, "first", stopWhenPulling));
            stopped = first.get().drive(first.get().plan(app.toString(), Run.Kind.FULL, null, "test").id());
        }
        assertEquals(Run.State.PULLING, stopped.state());
        List<List<Object>> firstReading = rows(db, "SELECT canister_id, cycles, read_at FROM run_balances"
                + " WHERE phase = 'before' ORDER BY canister_id");
        assertEquals(2, firstReading.size(), "the source and the replica, read before the sync");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM run_balances WHERE phase = 'after'"));

        ok(cli("replicate", app.toString()));
        Map<PrincipalId, BigInteger> after = balances(List.of(replica));
        assertEquals(firstReading, rows(db, "SELECT canister_id, cycles, read_at FROM run_balances"
                + " WHERE phase = 'before' ORDER BY canister_id"), "the resumed run did not read 'before' again");
        assertRowsAddUpToBalanceChange(stopped.id(), List.of(replica), before, after, Map.of());
    }

    @Test
    void aSourceTheIdentityDoesNotControlIsRecordedAsUnreadableAndTheRunStillSeals() throws Exception {
        Principal app = world.demoApp(1, 37);
        ok(cli("canister", "add", app.toString()));
        PrincipalId replica = createReplica(app.toString());
        // the coordinator keeps its place on the allow-list but is no longer a controller of the app
        world.deployer.update(app, "replication_allow", org.replicator.coordinator.agent.Candid.record()
                .principal("principal", ReplicationWorld.id(world.coordinator)).toArg());
        world.deployer.setControllers(app, List.of(world.deployer.principal()));

        ok(cli("replicate", app.toString()));
        List<List<Object>> source = rows(db, "SELECT phase, cycles, unreadable FROM run_balances WHERE canister_id = '"
                + app + "' ORDER BY phase DESC");
        assertEquals(2, source.size(), "before and after, each with a reason");
        for (List<Object> r : source) {
            assertEquals(null, r.get(1));
            assertTrue(((String) r.get(2)).contains("not a controller of " + app), (String) r.get(2));
        }
        assertEquals(0L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'execution'"));
        JsonNode run = new ObjectMapper().readTree(ok(cli("costs", app.toString(), "--json")).out()).get("runs").get(0);
        assertTrue(run.get("source").get("measured").isNull());
        assertTrue(run.get("source").get("not_measured_because").asText().contains("not a controller"), run.toString());
        assertEquals(replica.text(), run.get("replicas").get(0).get("replica").asText());
        assertTrue(new BigInteger(run.get("measured").asText()).signum() > 0, "the replica's cost is still measured");
    }

    /**
     * Per replica: the run's ledger rows (estimates and top-ups aside, credits subtracted) equal
     * the balance read before + the top-ups − the balance read after, exactly; and those two
     * readings lie between the test's own canister_status readings taken just before and just
     * after the run (which differ from them by what storage cost in between).
     */
    private void assertRowsAddUpToBalanceChange(long run, List<PrincipalId> replicas, Map<PrincipalId, BigInteger> testBefore,
            Map<PrincipalId, BigInteger> testAfter, Map<PrincipalId, BigInteger> topUps) {
        for (PrincipalId r : replicas) {
            BigInteger before = big(scalar(db, "SELECT cycles FROM run_balances WHERE run_id = " + run
                    + " AND canister_id = '" + r + "' AND phase = 'before'"));
            BigInteger after = big(scalar(db, "SELECT cycles FROM run_balances WHERE run_id = " + run
                    + " AND canister_id = '" + r + "' AND phase = 'after'"));
            BigInteger rows = big(scalar(db, "SELECT COALESCE(sum(CASE WHEN kind = 'overcount' THEN -amount ELSE amount"
                    + " END), 0) FROM cycle_ledger WHERE run_id = " + run + " AND replica_id = '" + r
                    + "' AND kind NOT IN ('estimate', 'top_up')"));
            BigInteger topUp = topUps.getOrDefault(r, BigInteger.ZERO);
            BigInteger measured = before.add(topUp).subtract(after);
            assertEquals(measured, rows, "run " + run + ", replica " + r + ": ledger rows = " + before + " + " + topUp
                    + " − " + after);
            assertEquals(1L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE run_id = " + run + " AND replica_id = '"
                    + r + "' AND kind = 'transfer'"));
            BigInteger driftBefore = testBefore.get(r).subtract(before);
            BigInteger driftAfter = after.subtract(testAfter.get(r));
            assertTrue(driftBefore.signum() >= 0 && driftAfter.signum() >= 0, "the coordinator's readings lie between"
                    + " the test's: " + testBefore.get(r) + " ≥ " + before + ", " + after + " ≥ " + testAfter.get(r));
            assertTrue(driftBefore.add(driftAfter).multiply(BigInteger.valueOf(100)).compareTo(measured) < 0,
                    "storage between the test's and the coordinator's readings is under 1 % of the run's cost");
            BigInteger counter = big(scalar(db, "SELECT amount FROM cycle_ledger WHERE run_id = " + run
                    + " AND replica_id = '" + r + "' AND kind = 'transfer'"));
            System.out.printf("run %d, replica %s: balance %d + top-up %d − %d = %d; counter %d, overhead %d;"
                    + " the test's own readings %d → %d (outside the coordinator's: %d)%n", run, r, before, topUp, after,
                    measured, counter, measured.subtract(counter), testBefore.get(r), testAfter.get(r),
                    driftBefore.add(driftAfter));
        }
    }

    /**
     * An incremental run driven in-process, so that a top-up can be made while the replicas pull
     * (after the coordinator read the balances, before it reads them again), booked as the
     * coordinator's funding books it.
     */
    private Run driveIncremental(Principal app, BigInteger budget, PrincipalId topUpTarget) {
        try (Database database = Database.open(db); IcGateway gateway = gateway()) {
            RunProgress topUpWhilePulling = new RunProgress() {
                private boolean done;

                @Override
                public void state(Run run) {
                    if (run.state() == Run.State.PULLING && !done) {
                        done = true;
                        new ProvisionalFunding(gateway).topUp(topUpTarget, TOP_UP);
                        database.inTransaction(tx -> new CycleLedger().record(tx, new CycleEntry.New(run.id(),
                                run.canister(), topUpTarget, null, CycleEntry.Kind.TOP_UP, TOP_UP, "top-up while pulling")));
                    }
                }
            };
            ReplicationEngine engine = engine(database, gateway, "incremental", topUpWhilePulling);
            return engine.drive(engine.plan(app.toString(), Run.Kind.INCREMENTAL, budget, "test").id());
        }
    }

    private ReplicationEngine engine(Database database, IcGateway gateway, String owner, RunProgress progress) {
        AppReplicationClient source = new AppReplicationClient(gateway);
        return new ReplicationEngine(database, source, new BackupCanisterClient(gateway), FeeTable.load(),
                EngineSettings.defaults(), owner, progress,
                new CostReconciler(database, source, new BalanceProbe(gateway), FeeTable.load()));
    }

    private IcGateway gateway() {
        return IcGateway.connect(Network.parse(world.net.url().toString()), Identities.fromPemFile(world.pem),
                Duration.ofSeconds(60));
    }

    /** Balances as the test itself reads them, through canister_status as the replicas' controller. */
    private static Map<PrincipalId, BigInteger> balances(List<PrincipalId> canisters) {
        Map<PrincipalId, BigInteger> m = new LinkedHashMap<>();
        for (PrincipalId c : canisters) {
            m.put(c, world.gateway.canisterStatus(c).cycles());
        }
        return m;
    }

    private PrincipalId createReplica(String canister) {
        String out = ok(cli("replica", "create", canister, "--json")).out();
        int at = out.indexOf("\"id\"");
        int start = out.indexOf('"', out.indexOf(':', at)) + 1;
        return new PrincipalId(out.substring(start, out.indexOf('"', start)));
    }
}
