package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.ids.Principal;

/** A coordinator closed mid-run; the next one on the same database resumes the run without redoing anything. */
class ResumeEndToEndTest {
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
    void aRunStoppedWhileReplicasPullIsResumedByTheNextCoordinatorWithOneGenerationPerReplica() {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        assertEquals(0, world.cli(db, "init").code());
        Principal app = world.demoApp(4, 21);
        assertEquals(0, world.cli(db, "canister", "add", app.toString()).code());
        // one chunk in flight per replica, so that the pull is observably under way for a while
        for (int i = 0; i < 2; i++) {
            CliRunner.Result r = world.cli(db, "replica", "create", app.toString(), "--parallelism", "1");
            assertEquals(0, r.code(), r.err());
        }

        // the first coordinator: stops as soon as a replica reports pulled chunks short of the total
        AtomicReference<ReplicationEngine> first = new AtomicReference<>();
        Map<PrincipalId, Long> progressAtStop = new HashMap<>();
        RunProgress stopOnProgress = new RunProgress() {
            @Override
            public void pulled(long runId, PrincipalId replica, long done, long total, long bytes) {
                if (done > 0 && done < total && progressAtStop.isEmpty()) {
                    progressAtStop.put(replica, done);
                    first.get().stop();
                }
            }
        };
        Run stopped;
        try (Database database = Database.open(db);
                IcGateway gateway = IcGateway.connect(Network.parse(world.net.url().toString()),
                        Identities.fromPemFile(world.pem), Duration.ofSeconds(60))) {
            first.set(new ReplicationEngine(database, new AppReplicationClient(gateway), new BackupCanisterClient(gateway),
                    FeeTable.load(), EngineSettings.defaults(), "first", stopOnProgress));
            Run planned = first.get().plan(app.toString(), Run.Kind.FULL, null, "test");
            stopped = first.get().drive(planned.id());
        }
        assertEquals(1, progressAtStop.size(), "the first coordinator saw a replica part way through its pull");
        assertEquals(Run.State.PULLING, stopped.state(), "stopped mid-run, the run stays recorded as pulling");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM generations"));
        Map<String, Long> runIds = new HashMap<>();
        for (List<Object> r : rows(db, "SELECT replica_id FROM replicas")) {
            BackupRun run = world.backups.status(new PrincipalId((String) r.get(0))).run().orElseThrow();
            runIds.put((String) r.get(0), run.id());
        }

        // the next coordinator: `replicate` finds the unfinished run and resumes it
        CliRunner.Result resumed = world.cli(db, "replicate", app.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("run " + stopped.id() + " of " + app + ": sealed"), resumed.out());

        ReplicationWorld.Image image = world.sourceImage(app);
        assertEquals(1L, scalar(db, "SELECT count(*) FROM runs"), "no second run");
        assertEquals(2, scalar(db, "SELECT attempt FROM runs"), "claimed by two coordinators");
        assertEquals(2L, scalar(db, "SELECT count(*) FROM generations WHERE sealed_at IS NOT NULL AND encode(root, 'hex') = '"
                + image.root().hex() + "'"), "one sealed generation per replica, with the source's root");
        assertEquals(2L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind = 'transfer'"), "one transfer row per replica");
        for (Map.Entry<String, Long> e : runIds.entrySet()) {
            PrincipalId replica = new PrincipalId(e.getKey());
            BackupRun run = world.backups.status(replica).run().orElseThrow();
            assertEquals(e.getValue(), run.id(), "the backup canister's run continued, it was not restarted");
            assertEquals(run.chunksTotal(), run.chunksFetched(), "every chunk fetched exactly once: nothing re-pulled");
            assertEquals(1, world.backups.generations(replica).size(), "no duplicate generation on " + replica);
        }
    }
}
