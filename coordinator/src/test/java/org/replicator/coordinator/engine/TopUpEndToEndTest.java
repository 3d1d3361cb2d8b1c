package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.localnet.ids.Principal;

/**
 * Replicas that run short of cycles mid-run, end to end: a 4 MiB demo app and a backup canister
 * created with 301 B cycles (install_code wants 300 B up front) whose freezing threshold is then
 * set to hold back half its balance (about 8.5e8 s at its 1.5 MB; each 64 KiB chunk stored
 * raises the reserve by some 6.5 B cycles), so it pauses with LOW_CYCLES after a few chunks.
 * Without {@code --top-up} that part fails and says how to top up; with it the engine tops the
 * replica up, resumes the same backup-canister run, and the run seals with its costs reconciled.
 */
class TopUpEndToEndTest {
    private static final BigInteger SHORT = BigInteger.valueOf(301_000_000_000L);
    private static final BigInteger TOP_UP = BigInteger.valueOf(300_000_000_000L);
    private static ReplicationWorld world;
    private static Principal app;
    private DatabaseTarget.External db;

    @BeforeAll
    static void start() throws Exception {
        world = new ReplicationWorld();
        app = world.demoApp(4, 43);
    }

    @AfterAll
    static void stop() {
        world.close();
    }

    @BeforeEach
    void freshDatabase() {
        db = world.postgres.freshDatabase();
        ok(cli("init"));
        ok(cli("canister", "add", app.toString(), "--name", "demo"));
    }

    @Test
    void withoutTopUpAReplicaShortOfCyclesFailsNamingLowCyclesAndTheTopUpCommandAndOnceToppedUpTheNextRunSeals()
            throws Exception {
        PrincipalId replica = shortReplica();

        CliRunner.Result failed = cli("replicate", "demo");
        assertEquals(ExitCodes.FAILURE, failed.code(), failed.out() + failed.err());
        assertTrue(failed.out().contains("LOW_CYCLES") && failed.out().contains("`replicator replica top-up " + replica
                + " --cycles C`") && failed.out().contains("--top-up C"), failed.out());
        assertEquals("failed", scalar(db, "SELECT state FROM runs WHERE run_id = 1"));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'top_up'"));
        BackupRun paused = world.backups.status(replica).run().orElseThrow();
        assertTrue(paused.paused() && paused.error().orElse("").startsWith("LOW_CYCLES"), paused.toString());

        CliRunner.Result topped = ok(cli("replica", "top-up", replica.text(), "--cycles", "1000000000000"));
        assertTrue(topped.out().contains("topped up replica " + replica + " of " + app + " by 1000000000000 cycles"),
                topped.out());
        CliRunner.Result sealed = ok(cli("replicate", "demo"));
        assertTrue(sealed.out().contains("run 2 of " + app + ": sealed"), sealed.out());
        assertEquals(paused.id(), world.backups.status(replica).run().orElseThrow().id(),
                "the paused backup-canister run is the one that completes");

        JsonNode run = new ObjectMapper().readTree(ok(cli("costs", "--run", "2", "--json")).out()).get("runs").get(0);
        JsonNode r = run.get("replicas").get(0);
        assertEquals("0", r.get("topped_up").asText(), "the top-up was made between the runs, outside run 2's readings");
        assertReconciles(r);
    }

    @Test
    void withTopUpTheEngineTopsUpResumesTheSameRunWhichSealsAndItsCostsReconcile() throws Exception {
        PrincipalId replica = shortReplica();

        CliRunner.Result r = ok(cli("replicate", "demo", "--top-up", TOP_UP.toString()));
        assertTrue(r.out().contains("run 1 of " + app + ": sealed"), r.out());
        assertTrue(r.err().contains("topped up " + replica + " by " + TOP_UP + " cycles (top-up 1 of at most 5"),
                r.err());
        List<List<Object>> topUps = rows(db, "SELECT run_id, canister_id, replica_id, amount, note FROM cycle_ledger"
                + " WHERE kind = 'top_up' ORDER BY entry_id");
        assertTrue(topUps.size() >= 1 && topUps.size() <= 5, topUps.toString());
        for (List<Object> t : topUps) {
            assertEquals(List.of(1L, app.toString(), replica.text()), t.subList(0, 3));
            assertEquals(TOP_UP, big(t.get(3)));
            assertTrue(((String) t.get(4)).contains("the backup canister paused: LOW_CYCLES"), (String) t.get(4));
        }
        assertEquals((long) topUps.size(), scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'replica.top_up'"
                + " AND subject = '" + app + "' AND detail->>'replica' = '" + replica + "' AND detail->>'run' = '1'"));
        assertEquals(1L, world.backups.status(replica).run().orElseThrow().id(), "one backup-canister run, resumed");

        JsonNode run = new ObjectMapper().readTree(ok(cli("costs", "--run", "1", "--json")).out()).get("runs").get(0);
        JsonNode rep = run.get("replicas").get(0);
        BigInteger toppedUp = TOP_UP.multiply(BigInteger.valueOf(topUps.size()));
        assertEquals(toppedUp.toString(), rep.get("topped_up").asText());
        BigInteger measured = assertReconciles(rep);
        assertTrue(measured.signum() > 0 && measured.compareTo(TOP_UP) < 0,
                "the top-ups are not counted as spending: measured " + measured);
        assertEquals("0", run.get("source").get("topped_up").asText(), "a replica's top-up is not its source's");
        assertTrue(new BigInteger(run.get("source").get("measured").asText()).compareTo(TOP_UP) < 0, run.toString());
        System.out.printf("%d top-up(s) of %d; replica measured %s = reported %s + overhead %s%n", topUps.size(), TOP_UP,
                measured, rep.get("reported").asText(), rep.get("overhead").asText());
    }

    @Test
    void topUpsStopAfterTheRetriesAndThePartFailsSayingHowManyWereMade() {
        PrincipalId replica = shortReplica();

        CliRunner.Result r = cli("replicate", "demo", "--top-up", "1");
        assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("still short after 5 top-up(s) of 1 cycles in this run (--top-up)")
                && r.out().contains("replicator replica top-up " + replica), r.out());
        assertEquals(5L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'top_up' AND run_id = 1"));
        assertEquals(5L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'replica.top_up'"));
    }

    @Test
    void aReplicaOutOfItsRunBudgetIsNotToppedUp() {
        CliRunner.Result created = ok(cli("replica", "create", "demo", "--cycles-per-run", "3000000000", "--json"));
        PrincipalId replica = idOf(created);

        CliRunner.Result r = cli("replicate", "demo", "--top-up", TOP_UP.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
        assertTrue(r.out().contains(replica + ": the backup canister paused: BUDGET_EXHAUSTED"), r.out());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'top_up'"));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'replica.top_up'"));
    }

    /**
     * Per replica, from {@code replicator costs --json}: measured = before + topped_up − after, and
     * the run's ledger rows (reported + overhead) add up to it. Returns measured.
     */
    private static BigInteger assertReconciles(JsonNode replica) {
        BigInteger measured = new BigInteger(replica.get("measured").asText());
        assertEquals(measured, new BigInteger(replica.get("before").asText())
                .add(new BigInteger(replica.get("topped_up").asText()))
                .subtract(new BigInteger(replica.get("after").asText())), replica.toString());
        assertEquals(measured, new BigInteger(replica.get("reported").asText())
                .add(new BigInteger(replica.get("overhead").asText())), replica.toString());
        return measured;
    }

    /** A replica of the demo app that runs short of cycles a few chunks into a full pull. */
    private PrincipalId shortReplica() {
        PrincipalId replica = idOf(ok(cli("replica", "create", "demo", "--cycles", SHORT.toString(), "--json")));
        world.holdBack(replica, 0.5);
        return replica;
    }

    private static PrincipalId idOf(CliRunner.Result created) {
        try {
            return new PrincipalId(new ObjectMapper().readTree(created.out()).get("id").asText());
        } catch (Exception e) {
            throw new IllegalStateException(created.out(), e);
        }
    }

    private CliRunner.Result cli(String... args) {
        return world.cli(db, args);
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertEquals(0, r.code(), "exit code; stdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }
}
