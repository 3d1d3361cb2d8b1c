package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.ids.Principal;

/** At most N runs are driven at once across the coordinators sharing a database. */
class ConcurrentRunsBoundTest {
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
    void withABoundOfOneASecondCanisterIsRefusedWithNoWaitAndOtherwiseWaitsUntilTheFirstRunSeals() throws Exception {
        DatabaseTarget.External db = world.postgres.freshDatabase();
        assertEquals(0, world.cli(db, "init").code());
        Principal first = protect(db, world.demoApp(1, 61));
        Principal second = protect(db, world.demoApp(1, 62));
        EngineSettings boundOfOne = EngineSettings.defaults().withMaxConcurrentRuns(1);

        // the first coordinator drives its run and is held at pulling until the test lets it go
        CountDownLatch atPulling = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        RunProgress holdAtPulling = new RunProgress() {
            @Override
            public void state(Run run) {
                if (run.state() == Run.State.PULLING && atPulling.getCount() > 0) {
                    atPulling.countDown();
                    await(letGo);
                }
            }
        };
        CountDownLatch secondWaits = new CountDownLatch(1);
        List<String> waits = new CopyOnWriteArrayList<>();
        RunProgress noteWaiting = new RunProgress() {
            @Override
            public void waiting(String why) {
                waits.add(why);
                secondWaits.countDown();
            }
        };
        ExecutorService coordinators = Executors.newFixedThreadPool(2);
        try (Database database = Database.open(db); IcGateway gatewayA = gateway(); IcGateway gatewayB = gateway()) {
            ReplicationEngine a = ReplicationEngine.connected(database, gatewayA, boundOfOne, Owner.current("cli"),
                    holdAtPulling);
            Future<Run> firstRun = coordinators.submit(
                    () -> a.drive(a.plan(first.toString(), Run.Kind.FULL, null, "test").id(), true));
            assertTrue(atPulling.await(120, TimeUnit.SECONDS), "the first run reached pulling");
            long firstId = (Long) scalar(db, "SELECT run_id FROM runs WHERE canister_id = '" + first + "'");

            CliRunner.Result refused = world.cli(db, "replicate", second.toString(), "--max-concurrent-runs", "1",
                    "--no-wait");
            assertEquals(1, refused.code(), refused.out() + refused.err());
            assertTrue(refused.err().contains("the bound on concurrent runs (1, --max-concurrent-runs)")
                    && refused.err().contains("run " + firstId + " of " + first + " by cli@"), refused.err());
            assertEquals(0L, scalar(db, "SELECT count(*) FROM runs WHERE canister_id = '" + second + "'"),
                    "nothing written for the refused run");
            CliRunner.Result zero = world.cli(db, "replicate", second.toString(), "--max-concurrent-runs", "0");
            assertEquals(2, zero.code(), zero.err());
            assertTrue(zero.err().contains("--max-concurrent-runs must be at least 1"), zero.err());

            ReplicationEngine b = ReplicationEngine.connected(database, gatewayB, boundOfOne, Owner.current("cli"),
                    noteWaiting);
            Future<Run> secondRun = coordinators.submit(() -> {
                b.awaitRoomForARun(true);
                return b.drive(b.plan(second.toString(), Run.Kind.FULL, null, "test").id(), true);
            });
            assertTrue(secondWaits.await(60, TimeUnit.SECONDS), "the second coordinator says it waits");
            assertEquals(0L, scalar(db, "SELECT count(*) FROM runs WHERE canister_id = '" + second + "'"),
                    "while it waits, the second run is not even planned");

            letGo.countDown();
            assertEquals(Run.State.SEALED, firstRun.get(180, TimeUnit.SECONDS).state());
            assertEquals(Run.State.SEALED, secondRun.get(180, TimeUnit.SECONDS).state());
        } finally {
            letGo.countDown();
            coordinators.shutdownNow();
        }
        assertEquals(1, waits.size(), "said once what it waits for: " + waits);
        assertTrue(waits.get(0).contains(" of " + first + " by cli@"), waits.get(0));
        assertEquals(Boolean.TRUE, scalar(db, "SELECT b.started_at >= a.finished_at FROM runs a, runs b"
                + " WHERE a.canister_id = '" + first + "' AND b.canister_id = '" + second + "'"),
                "the second run started only after the first one sealed");
    }

    private static Principal protect(DatabaseTarget.External db, Principal app) {
        CliRunner.Result added = world.cli(db, "canister", "add", app.toString());
        assertEquals(0, added.code(), added.err());
        CliRunner.Result replica = world.cli(db, "replica", "create", app.toString());
        assertEquals(0, replica.code(), replica.err());
        return app;
    }

    private static IcGateway gateway() {
        return IcGateway.connect(Network.parse(world.net.url().toString()), Identities.fromPemFile(world.pem),
                Duration.ofSeconds(60));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test did not let the first run go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
