package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.Replicator;
import org.replicator.coordinator.store.DatabaseTarget;

/**
 * Two `replicator serve` JVMs on one database form one Quartz cluster: the scheduled run fires on
 * one of them; that one is killed with SIGKILL while its replicas pull; the other recovers the job,
 * takes the run over and seals it. One run, not two; the schedule keeps its next firing time. The
 * cluster also runs the storage billing sweep, from one trigger however many coordinators serve.
 */
class ClusteredScheduleTest {
    private static ReplicationWorld world;

    @BeforeAll
    static void start() throws Exception {
        world = new ReplicationWorld();
    }

    @AfterAll
    static void stop() {
        world.close();
    }

    @Test
    void aCoordinatorKilledWhileItsScheduledRunPullsIsRecoveredByTheOtherWithoutADuplicateRun() throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        ok(world.cli(db, "init"));
        world.protectedApp(db, 4, 51, "demo", 2);
        List<Process> servers = new ArrayList<>();
        try {
            servers.add(serve(db));
            servers.add(serve(db));
            RecordingProgress.await("both coordinators joined the cluster", Duration.ofMinutes(2),
                    () -> (long) scalar(db, "SELECT count(*) FROM qrtz_scheduler_state") == 2);
            RecordingProgress.await("the cluster's first billing sweep", Duration.ofMinutes(1),
                    () -> (long) scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'billing.sweep'") > 0);
            assertEquals(1L, scalar(db, "SELECT count(*) FROM qrtz_triggers WHERE trigger_group = 'billing'"),
                    "one billing trigger for the cluster, however many coordinators serve");
            ok(world.cli(db, "schedule", "set", "demo", "--every", "1h"));
            RecordingProgress.await("the scheduled run's replicas pull", Duration.ofMinutes(2),
                    () -> (long) scalar(db, "SELECT count(*) FROM run_chunks WHERE state <> 'pending'") > 0
                            && "pulling".equals(scalar(db, "SELECT state FROM runs")));
            long nextFire = (long) scalar(db, "SELECT next_fire_time FROM qrtz_triggers WHERE trigger_group = 'replication'");
            String owner = (String) scalar(db, "SELECT owner FROM runs");
            long pid = Long.parseLong(owner.substring(owner.lastIndexOf(':') + 1, owner.indexOf('/', owner.lastIndexOf(':'))));
            Process victim = servers.stream().filter(p -> p.pid() == pid).findFirst()
                    .orElseThrow(() -> new AssertionError("run owned by " + owner + ", not by either coordinator"));
            victim.destroyForcibly();
            assertTrue(victim.waitFor(30, TimeUnit.SECONDS), "the killed coordinator's JVM exited");

            RecordingProgress.await("the other coordinator's job ends", Duration.ofMinutes(3),
                    () -> (long) scalar(db, "SELECT count(*) FROM audit_events WHERE action LIKE 'schedule.%'"
                            + " AND action <> 'schedule.set'") > 0);
            assertEquals("sealed", scalar(db, "SELECT state FROM runs"));
            assertEquals(1L, scalar(db, "SELECT count(*) FROM runs"), "one run: the recovered job resumed it");
            assertEquals(2, scalar(db, "SELECT attempt FROM runs"), "claimed by the killed coordinator, then by the other");
            String survivor = (String) scalar(db, "SELECT owner FROM runs");
            assertNotEquals(owner, survivor);
            assertEquals(2L, scalar(db, "SELECT count(*) FROM generations WHERE sealed_at IS NOT NULL"),
                    "a generation per replica");
            assertEquals(nextFire, (long) scalar(db, "SELECT next_fire_time FROM qrtz_triggers WHERE trigger_group = 'replication'"),
                    "the schedule keeps its next firing time");
            assertEquals(List.of(List.of("sealed")), rows(db, "SELECT detail->>'state' FROM audit_events"
                    + " WHERE action = 'schedule.run'"), "the job ran to its end once, on the survivor");
        } finally {
            for (Process p : servers) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Process serve(DatabaseTarget.External db) throws IOException {
        Path log = Files.createTempFile("replicator-serve-", ".log");
        return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Replicator.class.getName(),
                "serve", "--port", "0", "--cluster-checkin", "1s", "--jdbc-url", db.jdbcUrl(), "--db-user", db.user(),
                "--network", world.url.toString(), "--identity", world.pem.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertEquals(0, r.code(), "exit code; stdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }
}
