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
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.localnet.ids.Principal;

/**
 * {@code replicator replica top-up}: adds provisional cycles to a recorded replica, books a
 * top_up row and an audit event, and prints the balance before and after; every bad input is
 * refused with a message and an exit code, with nothing added to the canister or written.
 */
class ReplicaTopUpCommandTest {
    private static final BigInteger CYCLES = BigInteger.valueOf(500_000_000_000L);
    private static ReplicationWorld world;
    private static Principal app;
    private DatabaseTarget.External db;
    private PrincipalId replica;

    @BeforeAll
    static void start() throws Exception {
        world = new ReplicationWorld();
        app = world.demoApp(1, 47);
    }

    @AfterAll
    static void stop() {
        world.close();
    }

    @BeforeEach
    void aReplica() throws Exception {
        db = world.postgres.freshDatabase();
        ok(cli("init"));
        ok(cli("canister", "add", app.toString()));
        replica = new PrincipalId(new ObjectMapper().readTree(ok(cli("replica", "create", app.toString(), "--json"))
                .out()).get("id").asText());
    }

    @Test
    void aTopUpAddsTheCyclesBooksThemAndPrintsTheBalanceBeforeAndAfter() {
        BigInteger before = balance();
        CliRunner.Result r = ok(cli("replica", "top-up", replica.text(), "--cycles", CYCLES.toString()));
        BigInteger after = balance();
        System.out.print(r.out());
        assertTrue(r.out().contains("topped up replica " + replica + " of " + app + " by " + CYCLES
                + " cycles (provisional cycles of " + world.url), r.out());
        assertTrue(r.out().contains("balance before: ") && r.out().contains(", after: "), r.out());
        // canister_status is charged for, so each reading costs the canister a little
        BigInteger gained = after.subtract(before);
        assertTrue(gained.compareTo(CYCLES) <= 0 && gained.compareTo(CYCLES.subtract(BigInteger.TEN.pow(9))) > 0,
                "gained " + gained);

        List<List<Object>> booked = rows(db, "SELECT run_id, canister_id, replica_id, amount, note FROM cycle_ledger"
                + " WHERE kind = 'top_up'");
        assertEquals(1, booked.size());
        assertEquals(java.util.Arrays.asList(null, app.toString(), replica.text()), booked.get(0).subList(0, 3));
        assertEquals(CYCLES, big(booked.get(0).get(3)));
        assertTrue(((String) booked.get(0).get(4)).startsWith("replicator replica top-up; from provisional cycles"),
                (String) booked.get(0).get(4));
        assertEquals(List.of(List.of(world.coordinator.toString(), app.toString(), replica.text(), CYCLES.toString())),
                rows(db, "SELECT actor, subject, detail->>'replica', detail->>'cycles' FROM audit_events"
                        + " WHERE action = 'replica.top_up'"));
    }

    @Test
    void aTopUpReportsItsBalancesAsJson() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(ok(cli("replica", "top-up", replica.text(), "--cycles",
                CYCLES.toString(), "--json")).out());
        assertEquals(replica.text(), doc.get("replica").asText());
        assertEquals(app.toString(), doc.get("source").asText());
        assertEquals(CYCLES.toString(), doc.get("cycles").asText());
        assertTrue(doc.get("funding").asText().startsWith("provisional cycles of "), doc.toString());
        BigInteger gained = new BigInteger(doc.get("after").asText()).subtract(new BigInteger(doc.get("before").asText()));
        assertTrue(gained.compareTo(CYCLES) <= 0 && gained.compareTo(CYCLES.subtract(BigInteger.TEN.pow(9))) > 0,
                doc.toString());
        assertTrue(doc.get("balance_unreadable").isNull(), doc.toString());
    }

    @Test
    void aCanisterThatIsNotARecordedReplicaIsRefusedAndGetsNothing() {
        BigInteger before = world.gateway.canisterStatus(new PrincipalId(app.toString())).cycles();
        CliRunner.Result r = cli("replica", "top-up", app.toString(), "--cycles", CYCLES.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("no replica " + app + " is recorded") && r.err().contains("replicator replica list"),
                r.err());
        assertTrue(world.gateway.canisterStatus(new PrincipalId(app.toString())).cycles().compareTo(before) <= 0,
                "the canister got no cycles");
        assertNothingBooked();
    }

    @Test
    void aDroppedReplicaIsRefusedAndGetsNothing() {
        ok(cli("replica", "drop", replica.text()));
        BigInteger before = balance();
        CliRunner.Result r = cli("replica", "top-up", replica.text(), "--cycles", CYCLES.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("replica " + replica + " of " + app + " was dropped"), r.err());
        assertTrue(balance().compareTo(before) <= 0, "the canister got no cycles");
        assertNothingBooked();
    }

    @Test
    void cyclesThatAreNotAPositiveWholeNumberAreAUsageError() {
        for (List<String> bad : List.of(List.of("--cycles", "0"), List.of("--cycles", "-5"), List.of("--cycles", "lots"),
                List.of("--cycles", "1.5"), List.<String>of())) {
            List<String> args = new java.util.ArrayList<>(List.of("replica", "top-up", replica.text()));
            args.addAll(bad);
            CliRunner.Result r = cli(args.toArray(String[]::new));
            assertEquals(ExitCodes.USAGE, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("--cycles"), bad + ": " + r.err());
        }
        CliRunner.Result malformed = cli("replica", "top-up", "not-a-principal", "--cycles", "1");
        assertEquals(ExitCodes.USAGE, malformed.code(), malformed.err());
        assertNothingBooked();
    }

    @Test
    void onMainnetTheTopUpIsRefusedWithWhatToDoInsteadAndNothingIsRecorded() {
        CliRunner.Result r = mainnet("replica", "top-up", replica.text(), "--cycles", CYCLES.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("not implemented yet") && r.err().contains("dfx cycles top-up"), r.err());
        assertNothingBooked();

        CliRunner.Result run = mainnet("replicate", app.toString(), "--top-up", CYCLES.toString());
        assertEquals(ExitCodes.FAILURE, run.code(), run.err());
        assertTrue(run.err().contains("not implemented yet"), run.err());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM runs"), "refused before a run was planned");
    }

    @Test
    void replicateRefusesATopUpThatIsNotAPositiveWholeNumber() {
        for (String bad : List.of("0", "-1", "much")) {
            CliRunner.Result r = cli("replicate", app.toString(), "--top-up", bad);
            assertEquals(ExitCodes.USAGE, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("--top-up"), r.err());
        }
        assertEquals(0L, scalar(db, "SELECT count(*) FROM runs"));
    }

    private void assertNothingBooked() {
        assertEquals(0L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'top_up'"));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'replica.top_up'"));
    }

    private BigInteger balance() {
        return world.gateway.canisterStatus(replica).cycles();
    }

    /** The CLI against the same database, told the network is the IC mainnet. */
    private CliRunner.Result mainnet(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--jdbc-url", db.jdbcUrl(), "--db-user", db.user(), "--network", "ic", "--identity",
                world.pem.toString()));
        return CliRunner.run(all.toArray(String[]::new));
    }

    private CliRunner.Result cli(String... args) {
        return world.cli(db, args);
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertEquals(0, r.code(), "exit code; stdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }
}
