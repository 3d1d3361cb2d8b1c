package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.LocalNetProcess;

/**
 * The localnet (a child JVM over a state directory) is killed with SIGKILL while the replicas
 * pull, and started again on the same port from the same state; the drive under way waits out
 * the unreachable network and completes the run with the source's roots.
 */
class LocalnetRestartMidRunTest {
    private static Path stateDir;
    private static int port;
    private static LocalNetProcess localnet;
    private static ReplicationWorld world;

    @BeforeAll
    static void start() throws Exception {
        stateDir = Files.createTempDirectory("replicator-localnet-restart-");
        port = LocalNetProcess.freePort();
        localnet = LocalNetProcess.start(stateDir, port);
        world = new ReplicationWorld(PostgresForTests.start(), null, localnet.url());
    }

    @AfterAll
    static void stop() throws Exception {
        world.close();
        localnet.close();
    }

    @Test
    void aRunUnderWayWhenTheLocalnetIsKilledAndRestartedCompletesSealedWithTheSourcesRoots() throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        assertEquals(0, world.cli(db, "init").code());
        Principal app = world.protectedApp(db, 4, 41, null, 2, "--parallelism", "1");

        RecordingProgress progress = new RecordingProgress();
        ExecutorService driver = Executors.newSingleThreadExecutor();
        Run sealed;
        Duration down;
        try (Database database = Database.open(db);
                IcGateway gateway = IcGateway.connect(Network.parse(world.url.toString()),
                        Identities.fromPemFile(world.pem), Duration.ofSeconds(30))) {
            ReplicationEngine engine = new ReplicationEngine(database, new AppReplicationClient(gateway),
                    new BackupCanisterClient(gateway), FeeTable.load(), EngineSettings.defaults(), "restart-test",
                    progress);
            Run planned = engine.plan(app.toString(), Run.Kind.FULL, null, "test");
            Future<Run> drive = driver.submit(() -> engine.drive(planned.id()));

            RecordingProgress.await("a replica part way through its pull", Duration.ofMinutes(2),
                    () -> progress.partWayChunks() > 0 || drive.isDone());
            assertFalse(drive.isDone(), "the run was still being driven when the localnet was killed");
            Instant killed = Instant.now();
            localnet.kill();
            RecordingProgress.await("the engine reporting the network outage", Duration.ofMinutes(1),
                    () -> progress.count("outage NETWORK") == 1);
            localnet = LocalNetProcess.start(stateDir, port);
            down = Duration.between(killed, Instant.now());
            try {
                sealed = drive.get(3, TimeUnit.MINUTES);
            } catch (java.util.concurrent.TimeoutException e) {
                // what the replicas were doing says whether a call was lost or the engine stopped following
                StringBuilder replicas = new StringBuilder();
                for (List<Object> r : rows(db, "SELECT replica_id FROM replicas")) {
                    replicas.append("\n").append(world.backups.status(new PrincipalId((String) r.get(0))));
                }
                throw new AssertionError("the run did not complete within 3 minutes of the restart; progress "
                        + progress.events() + "; replicas:" + replicas, e);
            }
        } finally {
            driver.shutdownNow();
        }

        assertEquals(Run.State.SEALED, sealed.state(), "the run completed: " + sealed.error().orElse(""));
        assertEquals(1, progress.count("outage NETWORK"), "the outage was reported once: " + progress.events());
        assertEquals(1, progress.count("recovered NETWORK"), "and its end once: " + progress.events());
        assertEquals(1, scalar(db, "SELECT attempt FROM runs"), "the drive under way completed it, nobody resumed it");

        ReplicationWorld.Image image = world.sourceImage(app);
        assertEquals(2L, scalar(db, "SELECT count(*) FROM generations WHERE sealed_at IS NOT NULL AND encode(root, 'hex') = '"
                + image.root().hex() + "'"), "one sealed generation per replica, with the source's root");
        assertEquals(2L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'transfer'"), "one transfer row per replica");
        for (List<Object> r : rows(db, "SELECT replica_id FROM replicas")) {
            PrincipalId replica = new PrincipalId((String) r.get(0));
            BackupRun run = world.backups.status(replica).run().orElseThrow();
            assertEquals(run.chunksTotal(), run.chunksDone(), "every chunk stored on " + replica);
            assertEquals(1, world.backups.generations(replica).size(), "one generation on " + replica);
            assertEquals(image.root(), world.backups.generations(replica).get(0).root(), "the source's root on " + replica);
        }
        System.out.println("localnet down for " + down.toMillis() + " ms; progress: " + progress.events());
    }
}
