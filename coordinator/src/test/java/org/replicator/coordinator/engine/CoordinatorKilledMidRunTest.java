package org.replicator.coordinator.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.ids.Principal;

/**
 * A coordinator killed with SIGKILL mid-run (a second JVM), at each point of the state machine; the
 * next `replicator replicate` on the same host sees the holder's process is gone, takes the run over
 * at once and seals it. And the holders that are not dead: one whose lease expired, one that is alive.
 */
class CoordinatorKilledMidRunTest {
    /** Where the killed coordinator stops: at the start of a state's step, or in PULLING once a replica pulled a chunk. */
    enum Point {
        PLANNED(Run.State.PLANNED), BEGUN(Run.State.BEGUN), PULLING(Run.State.PULLING),
        VERIFYING(Run.State.VERIFYING), SEALING(Run.State.SEALING);

        private final Run.State state;

        Point(Run.State state) {
            this.state = state;
        }

        Run.State state() {
            return state;
        }
    }

    private static final String OTHER_HOST_OWNER = "cli@elsewhere.example:4242/0badc0de";
    private static final AtomicInteger SEED = new AtomicInteger(40);
    private static ReplicationWorld world;

    @BeforeAll
    static void start() throws Exception {
        world = new ReplicationWorld();
    }

    @AfterAll
    static void stop() {
        world.close();
    }

    @ParameterizedTest(name = "killed at {0}")
    @EnumSource(Point.class)
    void aCoordinatorKilledMidRunIsTakenOverAtOnceAndTheRunSealsWithOneGenerationPerReplica(Point point)
            throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        Principal app = protectedApp(db, 2, 2);

        Instant started = Instant.now();
        Process child = startCoordinatorToKill(db, app, point);
        String marker;
        try {
            marker = awaitMarker(child, Duration.ofSeconds(180));
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed coordinator's JVM exited");
        }
        Instant killed = Instant.now();
        long runId = Long.parseLong(marker.split(" ")[2]);
        String owner = marker.split(" ")[4];
        assertEquals(point.state().name().toLowerCase(), scalar(db, "SELECT state FROM runs WHERE run_id = " + runId),
                "the run was left in the state the coordinator was killed in");
        assertEquals(owner, scalar(db, "SELECT owner FROM runs WHERE run_id = " + runId),
                "the killed coordinator still holds the run under its lease");
        if (point == Point.PULLING) {
            assertTrue(pulledChunks(db) > 0, "a replica had pulled chunks before the kill");
        }

        // --no-wait: the takeover must happen at once, not after the 60 s lease
        CliRunner.Result resumed = world.cli(db, "replicate", app.toString(), "--no-wait");
        Instant sealed = Instant.now();
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("run " + runId + " of " + app + ": sealed"), resumed.out());
        assertFalse(resumed.err().contains("waiting"), resumed.err());

        ReplicationWorld.Image image = world.sourceImage(app);
        assertEquals(1L, scalar(db, "SELECT count(*) FROM runs"), "no second run");
        assertEquals(2, scalar(db, "SELECT attempt FROM runs"), "claimed by the killed coordinator, then by the next");
        List<List<Object>> replicas = rows(db, "SELECT replica_id FROM replicas ORDER BY replica_id");
        assertEquals(2, replicas.size());
        for (List<Object> r : replicas) {
            PrincipalId replica = new PrincipalId((String) r.get(0));
            assertEquals(1L, scalar(db, "SELECT count(*) FROM generations WHERE run_id = " + runId + " AND replica_id = '"
                    + replica + "' AND sealed_at IS NOT NULL AND encode(root, 'hex') = '" + image.root().hex() + "'"),
                    "one sealed generation of " + replica + " for the run, with the source's root");
            List<BackupGeneration> held = world.backups.generations(replica);
            assertEquals(1, held.size(), "one generation on " + replica);
            assertEquals(image.root(), held.get(0).root(), "the generation " + replica + " holds has the source's root");
        }
        List<List<Object>> takeovers = rows(db, "SELECT actor, detail->>'from', detail->>'reason', subject"
                + " FROM audit_events WHERE action = 'run.takeover'");
        assertEquals(1, takeovers.size(), "one takeover recorded");
        assertEquals(List.of(owner, "holder_dead", app.toString()), takeovers.get(0).subList(1, 4));
        assertTrue(((String) takeovers.get(0).get(0)).startsWith("cli@"), "the takeover names the new owner");
        System.out.printf("killed at %s: marker after %d ms, takeover to sealed in %d ms%n", point,
                Duration.between(started, killed).toMillis(), Duration.between(killed, sealed).toMillis());
    }

    @Test
    void aHolderWhoseLeaseExpiredIsTakenOverAndTheTakeoverRecordedWithItsHeartbeatAge() throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        Principal app = protectedApp(db, 1, 1);
        long runId = plannedRun(db, app);
        execute(db, "UPDATE runs SET owner = '" + OTHER_HOST_OWNER + "', attempt = 1,"
                + " heartbeat_at = now() - interval '5 minutes' WHERE run_id = " + runId);

        CliRunner.Result r = world.cli(db, "replicate", app.toString(), "--no-wait");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("run " + runId + " of " + app + ": sealed"), r.out());
        List<List<Object>> takeovers = rows(db, "SELECT detail->>'from', detail->>'reason',"
                + " (detail->>'heartbeat_age_seconds')::int FROM audit_events WHERE action = 'run.takeover'");
        assertEquals(1, takeovers.size());
        assertEquals(OTHER_HOST_OWNER, takeovers.get(0).get(0));
        assertEquals("lease_expired", takeovers.get(0).get(1));
        assertTrue((Integer) takeovers.get(0).get(2) >= 300, "the recorded heartbeat age: " + takeovers.get(0).get(2));
    }

    @Test
    void aLiveHolderOnAnotherHostIsWaitedForUntilItsLeaseEndsSayingOnceWhatItWaitsFor() throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        Principal app = protectedApp(db, 1, 1);
        long runId = plannedRun(db, app);
        execute(db, "UPDATE runs SET owner = '" + OTHER_HOST_OWNER + "', attempt = 1, heartbeat_at = now()"
                + " WHERE run_id = " + runId);

        List<String> waits = new ArrayList<>();
        RunProgress progress = new RunProgress() {
            @Override
            public void waiting(String why) {
                waits.add(why);
            }
        };
        int lease = 3;
        Instant start = Instant.now();
        Run done;
        try (Database database = Database.open(db); IcGateway gateway = gateway()) {
            done = ReplicationEngine.connected(database, gateway, EngineSettings.defaults().withLeaseSeconds(lease),
                    Owner.current("cli"), progress).drive(runId, true);
        }
        assertEquals(Run.State.SEALED, done.state());
        assertEquals(1, waits.size(), "said once what it waits for: " + waits);
        String said = waits.get(0);
        assertTrue(said.contains("run " + runId) && said.contains(OTHER_HOST_OWNER) && said.contains("last heartbeat")
                && said.contains("lease ends at"), said);
        assertEquals("lease_expired", scalar(db, "SELECT detail->>'reason' FROM audit_events WHERE action = 'run.takeover'"));
        Duration took = Duration.between(start, Instant.now());
        assertTrue((Integer) scalar(db, "SELECT (detail->>'heartbeat_age_seconds')::int FROM audit_events"
                + " WHERE action = 'run.takeover'") >= lease, "taken over only after the lease of " + lease + " s");
        System.out.printf("live holder waited for: lease %d s, claim to sealed %d ms%n", lease, took.toMillis());
    }

    @Test
    void aLiveHolderOnThisHostMakesReplicateWithNoWaitExitOneNamingItAndChangesNothing() throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        Principal app = protectedApp(db, 1, 1);
        long runId = plannedRun(db, app);
        // this test's own JVM: on this host and alive
        String live = "cli@" + Owner.thisHost() + ":" + ProcessHandle.current().pid() + "/00aa11ff";
        execute(db, "UPDATE runs SET owner = '" + live + "', attempt = 1, heartbeat_at = now() WHERE run_id = " + runId);

        CliRunner.Result r = world.cli(db, "replicate", app.toString(), "--no-wait");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("run " + runId + " of " + app + " is held by another coordinator, " + live), r.err());
        assertTrue(r.err().contains("lease ends at") && r.err().contains("is running"), r.err());
        assertEquals(live, scalar(db, "SELECT owner FROM runs WHERE run_id = " + runId), "still the live holder's");
        assertEquals(1, scalar(db, "SELECT attempt FROM runs WHERE run_id = " + runId));
        assertEquals("planned", scalar(db, "SELECT state FROM runs WHERE run_id = " + runId));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'run.takeover'"));
    }

    /** A fresh demo app of `mib` MiB, protected, with `replicas` replicas pulling one chunk at a time. */
    private static Principal protectedApp(DatabaseTarget.External db, int mib, int replicas) {
        assertEquals(0, world.cli(db, "init").code());
        Principal app = world.demoApp(mib, SEED.incrementAndGet());
        CliRunner.Result added = world.cli(db, "canister", "add", app.toString());
        assertEquals(0, added.code(), added.err());
        for (int i = 0; i < replicas; i++) {
            CliRunner.Result r = world.cli(db, "replica", "create", app.toString(), "--parallelism", "1");
            assertEquals(0, r.code(), r.err());
        }
        return app;
    }

    private static long plannedRun(DatabaseTarget.External db, Principal app) throws Exception {
        try (Database database = Database.open(db); IcGateway gateway = gateway()) {
            return ReplicationEngine.connected(database, gateway, EngineSettings.defaults(), Owner.current("cli"),
                    RunProgress.SILENT).plan(app.toString(), Run.Kind.FULL, null, "test").id();
        }
    }

    private static IcGateway gateway() {
        return IcGateway.connect(Network.parse(world.net.url().toString()), Identities.fromPemFile(world.pem),
                Duration.ofSeconds(60));
    }

    private static long pulledChunks(DatabaseTarget.External db) {
        long done = 0;
        for (List<Object> r : rows(db, "SELECT replica_id FROM replicas")) {
            done += world.backups.status(new PrincipalId((String) r.get(0))).run().map(x -> x.chunksDone()).orElse(0L);
        }
        return done;
    }

    private static void execute(DatabaseTarget.External db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), null)) {
            assertEquals(1, c.createStatement().executeUpdate(sql), sql);
        }
    }

    private static Process startCoordinatorToKill(DatabaseTarget.External db, Principal app, Point point)
            throws IOException {
        Path log = Files.createTempFile("coordinator-to-kill-", ".log");
        // C1 only: the child lives for seconds, and starts faster without the optimising compiler
        return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), CoordinatorToKill.class.getName(),
                db.jdbcUrl(), db.user(), world.net.url().toString(), world.pem.toString(), app.toString(), point.name()))
                .redirectError(log.toFile())
                .start();
    }

    /** The child's marker line, read on another thread so that the wait has a deadline. */
    private static String awaitMarker(Process child, Duration within) throws Exception {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child was killed
            }
            lines.add("<end of output>");
        }, "coordinator-to-kill-output");
        reader.setDaemon(true);
        reader.start();
        Instant deadline = Instant.now().plus(within);
        while (Instant.now().isBefore(deadline)) {
            String line = lines.poll(Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith("reached run ")) {
                return line;
            }
            if (line != null && (line.startsWith("<end") || line.startsWith("not killed"))) {
                fail("the coordinator to kill ended before its point: " + line);
            }
        }
        return fail("the coordinator to kill did not reach its point within " + within);
    }
}
