package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

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
import org.replicator.coordinator.store.RestartablePostgres;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;

/**
 * PostgreSQL stops (fast shutdown: every session is terminated) while the replicas pull, and
 * starts again on the same port and data directory; the drive that was under way waits it out
 * and completes the run. The server is the test's own ({@link RestartablePostgres}): zonky's
 * builder takes a port, so the restart needs no pg_ctl of its own.
 */
class PostgresRestartMidRunTest {
    private static RestartablePostgres postgres;
    private static ReplicationWorld world;

    @BeforeAll
    static void start() throws Exception {
        postgres = RestartablePostgres.start();
        LocalNet net = LocalNet.start(LocalNetConfig.defaults());
        world = new ReplicationWorld(null, net, net.url());
    }

    @AfterAll
    static void stop() {
        world.close();
        postgres.close();
    }

    @Test
    void aRunUnderWayWhenPostgresRestartsCompletesSealedWithOneGenerationAndOneTransferRowPerReplica()
            throws Exception {
        DatabaseTarget.External db = postgres.createDatabase("restart_mid_run");
        assertEquals(0, world.cli(db, "init").code());
        // one chunk in flight per replica, so that the pull is under way for a while
        Principal app = world.protectedApp(db, 4, 31, null, 2, "--parallelism", "1");

        RecordingProgress progress = new RecordingProgress();
        ExecutorService driver = Executors.newSingleThreadExecutor();
        Run sealed;
        Duration down;
        try (Database database = Database.open(db);
                IcGateway gateway = IcGateway.connect(Network.parse(world.url.toString()),
                        Identities.fromPemFile(world.pem), Duration.ofSeconds(60))) {
            ReplicationEngine engine = new ReplicationEngine(database, new AppReplicationClient(gateway),
                    new BackupCanisterClient(gateway), FeeTable.load(), EngineSettings.defaults(), "restart-test",
                    progress);
            Run planned = engine.plan(app.toString(), Run.Kind.FULL, null, "test");
            Future<Run> drive = driver.submit(() -> engine.drive(planned.id()));

            RecordingProgress.await("a replica part way through its pull", Duration.ofMinutes(2),
                    () -> progress.partWayChunks() > 0 || drive.isDone());
            assertTrue(!drive.isDone(), "the run was still being driven when PostgreSQL went away");
            List<PrincipalId> replicas = rows(db, "SELECT replica_id FROM replicas").stream()
                    .map(r -> new PrincipalId((String) r.get(0))).toList();
            Instant stopped = Instant.now();
            postgres.stop();
            // down until the engine noticed and the replicas, pulling on their own, have sealed: so the
            // engine waits out the outage and then records both generations after it
            RecordingProgress.await("the engine reporting the database outage, and both replicas sealed",
                    Duration.ofMinutes(2), () -> progress.count("outage DATABASE") == 1 && replicas.stream()
                            .allMatch(r -> world.backups.status(r).run().map(BackupRun::sealed).orElse(false)));
            postgres.startAgain();
            down = Duration.between(stopped, Instant.now());
            sealed = drive.get(3, TimeUnit.MINUTES);
        } finally {
            driver.shutdownNow();
        }

        assertEquals(Run.State.SEALED, sealed.state(), "the run completed: " + sealed.error().orElse(""));
        assertEquals(1, progress.count("outage DATABASE"), "the outage was reported once: " + progress.events());
        assertEquals(1, progress.count("recovered DATABASE"), "and its end once: " + progress.events());
        assertEquals(1, scalar(db, "SELECT attempt FROM runs"), "the drive under way completed it, nobody resumed it");
        assertEquals(1L, scalar(db, "SELECT count(*) FROM runs"), "no second run");

        ReplicationWorld.Image image = world.sourceImage(app);
        assertEquals(2L, scalar(db, "SELECT count(*) FROM generations WHERE sealed_at IS NOT NULL AND encode(root, 'hex') = '"
                + image.root().hex() + "'"), "one sealed generation per replica, with the source's root");
        assertEquals(2L, scalar(db, "SELECT count(*) FROM generations"), "and no other generation");
        assertEquals(2L, scalar(db, "SELECT count(DISTINCT replica_id) FROM cycle_ledger WHERE kind = 'transfer'"));
        assertEquals(2L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'transfer'"),
                "one transfer row per replica, none written twice");
        assertEquals(1L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'estimate'"));
        for (List<Object> r : rows(db, "SELECT replica_id FROM replicas")) {
            PrincipalId replica = new PrincipalId((String) r.get(0));
            BackupRun run = world.backups.status(replica).run().orElseThrow();
            assertEquals(run.chunksTotal(), run.chunksFetched(), "every chunk fetched once on " + replica);
            assertEquals(1, world.backups.generations(replica).size(), "one generation on " + replica);
            assertEquals(image.root(), world.backups.generations(replica).get(0).root(), "the source's root on " + replica);
        }
        System.out.println("PostgreSQL down for " + down.toMillis() + " ms; progress: " + progress.events());
    }
}
