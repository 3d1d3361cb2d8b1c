package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/**
 * The failover drill, end to end over the localnet: the demo app on subnet 1 with replicas on
 * subnets 0 and 2; subnet 1 halts; the replica on subnet 2 is promoted; the promoted app serves the
 * same data and takes writes; replication goes on from it into subnet 0; subnet 1 returns and the old
 * primary is fenced; the service fails back with every write made meanwhile.
 */
class FailoverDrillTest extends WorldTest {
    @AfterEach
    void subnetsRunning() {
        for (int i = 0; i < 3; i++) {
            world.net.control().resume(i);
        }
    }

    @Test
    void failoverDrillPromotesFencesAndFailsBackWithoutLosingAWrite(@TempDir Path dir) throws Exception {
        Principal app = world.protectedApp(db, 1, 31, "demo", 2);
        ok(cli("replicate", "demo"));
        world.mutate(app, 60_000, 1);
        ok(cli("replicate", "demo", "--incremental"));
        byte[] beforeHalt = checksum(app);
        String onSubnet2 = replicaOn(2);
        String onSubnet0 = replicaOn(0);

        world.net.control().halt(1);
        CliRunner.Result promoted = ok(cli("promote", "demo", "--replica", onSubnet2, "--wasm", demoWasm(dir),
                "--init-arg", HexFormat.of().formatHex(ReplicationWorld.demoInitArg())));
        Principal primary = Principal.fromText(field(cli("primary", "demo", "--json").out(), "primary"));
        assertNotEquals(app, primary);
        assertEquals(world.net.subnet(2).id(), world.net.subnetOf(primary).orElseThrow().id(),
                "the service now lives on the promoted replica's subnet");
        assertTrue(promoted.err().contains("does not answer"), "the old primary cannot be fenced yet: " + promoted.err());
        assertTrue(cli("primary", "demo").out().contains("NOT fenced yet"), "the lookup says the old primary is unfenced");
        assertArrayEquals(beforeHalt, checksum(primary), "the promoted app answers reads with the sealed data");

        world.mutate(primary, 40_000, 2);
        byte[] duringFailover = checksum(primary);
        assertFalse(java.util.Arrays.equals(beforeHalt, duringFailover), "the promoted app takes writes");
        ok(cli("replicate", "demo", "--incremental"));
        assertEquals(List.of(List.of(onSubnet0, "sealed")), rows(db, "SELECT rr.replica_id, rr.state FROM run_replicas rr"
                + " JOIN runs r USING (run_id) WHERE r.run_id = (SELECT max(run_id) FROM runs)"),
                "replication goes on into subnet 0, not into the promoted replica's own subnet");
        assertEquals(primary.toString(), scalar(db, "SELECT source_canister_id FROM runs ORDER BY run_id DESC LIMIT 1"));
        assertEquals("full", scalar(db, "SELECT kind FROM runs ORDER BY run_id DESC LIMIT 1"),
                "the first run from a new source pulls the whole image");
        assertEquals(rootOf(primary), HexFormat.of().formatHex((byte[]) scalar(db,
                "SELECT root FROM generations ORDER BY generation_id DESC LIMIT 1")));

        CliRunner.Result early = cli("failback", "demo");
        assertEquals(ExitCodes.FAILURE, early.code(), early.err());
        assertTrue(early.err().contains("not fenced yet"), early.err());

        world.net.control().resume(1);
        ok(cli("fence", "demo", "--wait", "30s"));
        assertEquals("fenced", scalar(db, "SELECT state FROM promotions"));
        assertEquals(0, scalar(db, "SELECT writes_not_carried FROM promotions"),
                "nothing was written on the old primary after its last generation");
        IcClient.Rejected refused = assertThrows(IcClient.Rejected.class, () -> world.mutate(app, 1_000, 9));
        assertTrue(refused.getMessage().toLowerCase().contains("stopped"), refused.getMessage());

        world.mutate(primary, 30_000, 3);
        byte[] lastWrites = checksum(primary);
        ok(cli("failback", "demo"));
        assertEquals(app.toString(), field(cli("primary", "demo", "--json").out(), "primary"), "home again");
        assertArrayEquals(lastWrites, checksum(app), "the original holds every write made during the failover");
        assertThrows(IcClient.Rejected.class, () -> world.mutate(primary, 1_000, 9), "the promoted canister is stopped");
        world.mutate(app, 10_000, 4);
        ok(cli("replicate", "demo", "--incremental"));
        assertEquals(2L, scalar(db, "SELECT count(*) FROM run_replicas WHERE run_id = (SELECT max(run_id) FROM runs)"),
                "both replicas replicate from the original again");
        assertEquals(rootOf(app), HexFormat.of().formatHex((byte[]) scalar(db,
                "SELECT root FROM generations ORDER BY generation_id DESC LIMIT 1")));
        assertEquals(List.of("promote.plan", "promote.live", "promote.fenced", "failback.start", "failback.done"),
                rows(db, "SELECT action FROM audit_events WHERE action LIKE 'promote.%' OR action LIKE 'failback.%'"
                        + " ORDER BY event_id").stream().map(r -> (String) r.get(0)).toList(), "the audit trail");
    }

    @Test
    void aFailoverWhileAReplicateIsPullingAbandonsTheOldPrimarysRunsAndReplicationGoesOnFromTheNewOne(@TempDir Path dir)
            throws Exception {
        Principal app = world.protectedApp(db, 8, 34, "demo", 2);
        ok(cli("replicate", "demo"));
        String onSubnet2 = replicaOn(2);
        String onSubnet0 = replicaOn(0);
        PrincipalId behind = ReplicationWorld.id(Principal.fromText(onSubnet0));
        // pictures rewritten all over the image: the next run has many chunks to fetch, so it can
        // be caught part-way (the backup canister reuses unchanged chunks whatever the run's kind)
        world.mutate(app, 4_000_000, 7);
        CompletableFuture<CliRunner.Result> pulling = CompletableFuture.supplyAsync(() -> cli("replicate", "demo"));
        RecordingProgress.await("the replica on subnet 0 has chunks of the second run in flight", Duration.ofMinutes(2),
                () -> pulling.isDone() || world.backups.status(behind).run()
                        .filter(r -> r.state().equals("pulling") && r.chunksFetched() > 0 && r.chunksTotal() - r.chunksDone() > 16)
                        .isPresent());
        world.net.control().halt(1);
        assertFalse(pulling.isDone(), () -> "the run ended before the primary's subnet halted: " + pulling.join().err());
        long stuckRun = world.backups.status(behind).run().orElseThrow().id();
        assertEquals("pulling", world.backups.status(behind).run().orElseThrow().state(), "its reads wait on subnet 1");

        CliRunner.Result promoted = ok(cli("promote", "demo", "--replica", onSubnet2, "--wasm", demoWasm(dir),
                "--init-arg", HexFormat.of().formatHex(ReplicationWorld.demoInitArg())));
        assertTrue(promoted.err().contains("replica " + onSubnet0 + ": its run " + stuckRun + " (pulling from " + app
                + ") was abandoned"), promoted.err());
        Principal primary = Principal.fromText(field(cli("primary", "demo", "--json").out(), "primary"));
        BackupRun abandoned = world.backups.status(behind).run().orElseThrow();
        assertEquals(stuckRun, abandoned.id());
        assertTrue(abandoned.failed() && abandoned.error().orElseThrow().startsWith("ABANDONED: run " + stuckRun
                + " was pulling from " + app), abandoned::toString);
        long interruptedRun = (Long) scalar(db, "SELECT max(run_id) FROM runs");
        assertTrue(((String) scalar(db, "SELECT error FROM runs WHERE run_id = " + interruptedRun)).startsWith("abandoned:"));

        world.mutate(primary, 40_000, 5);
        ok(cli("replicate", "demo", "--incremental"));
        assertEquals(List.of(List.of(onSubnet0, "sealed")), rows(db, "SELECT rr.replica_id, rr.state FROM run_replicas rr"
                + " JOIN runs r USING (run_id) WHERE r.run_id = (SELECT max(run_id) FROM runs)"),
                "the replica whose run was abandoned seals a generation of the new primary while subnet 1 is still down");
        assertEquals(primary.toString(), scalar(db, "SELECT source_canister_id FROM runs ORDER BY run_id DESC LIMIT 1"));
        assertEquals(rootOf(primary), HexFormat.of().formatHex((byte[]) scalar(db,
                "SELECT root FROM generations ORDER BY generation_id DESC LIMIT 1")));
        assertTrue(world.net.control().isHalted(1));

        world.net.control().resume(1); // the abandoned run's late replies arrive
        // the interrupted replicate stopped driving at its next poll; it ends once it has read the
        // old primary's balance for the run's costs, which waits for subnet 1
        CliRunner.Result interrupted = pulling.get(5, TimeUnit.MINUTES);
        assertNotEquals(0, interrupted.code(), "the interrupted replicate does not claim success");
        assertEquals("failed", scalar(db, "SELECT state FROM runs WHERE run_id = " + interruptedRun));
        world.mutate(primary, 20_000, 6);
        ok(cli("replicate", "demo", "--incremental"));
        assertEquals(rootOf(primary), HexFormat.of().formatHex((byte[]) scalar(db,
                "SELECT root FROM generations ORDER BY generation_id DESC LIMIT 1")),
                "the late replies left the replica pulling from the new primary as before");
    }

    @Test
    void promotionIsRefusedWithAClearReasonAndNothingRecorded(@TempDir Path dir) throws Exception {
        Principal app = world.protectedApp(db, 1, 32, "demo", 2);
        String wasm = demoWasm(dir);
        String onSubnet2 = replicaOn(2);
        refused(cli("promote", "demo", "--replica", onSubnet2, "--wasm", wasm), "holds no sealed generation");
        ok(cli("replicate", "demo"));
        refused(cli("promote", "demo", "--replica", onSubnet2, "--wasm", wasm), "answers on subnet");
        refused(cli("promote", "demo", "--replica", app.toString(), "--wasm", wasm), "is not a replica of");
        refused(cli("promote", "nope", "--replica", onSubnet2, "--wasm", wasm), "no protected canister is called nope");
        refused(cli("fence", "demo"), "has not failed over");
        refused(cli("failback", "demo"), "has not failed over");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM promotions"), "nothing recorded");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM restores"));
        assertEquals(app.toString(), field(cli("primary", "demo", "--json").out(), "primary"));
        CliRunner.Result usage = cli("promote", "demo", "--wasm", wasm);
        assertEquals(ExitCodes.USAGE, usage.code(), usage.err());
        assertTrue(usage.err().contains("--replica"), usage.err());

        // with the primary's subnet down, a module that cannot take the image ends the promotion before
        // anything is created, and the next promotion is not blocked by it
        world.net.control().halt(1);
        String backupWasm = Files.write(dir.resolve("backup.wasm"), CanisterWasm.backupCanister().bytes()).toString();
        refused(cli("promote", "demo", "--replica", onSubnet2, "--wasm", backupWasm), "does not export restore_begin");
        assertEquals("failed", scalar(db, "SELECT state FROM promotions"));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM restores"), "no canister created");
        assertEquals(app.toString(), field(cli("primary", "demo", "--json").out(), "primary"));
    }

    @Test
    void theHealthWatchPromotesAutomaticallyOnlyAfterTheConfiguredTimeAndAuditsWhy(@TempDir Path dir) throws Exception {
        world.protectedApp(db, 1, 33, "demo", 2);
        ok(cli("replicate", "demo"));
        String onSubnet2 = replicaOn(2);
        String wasm = demoWasm(dir);
        CliRunner.Result healthy = ok(cli("watch", "demo", "--interval", "100ms", "--for", "1s"));
        assertTrue(healthy.out().contains("no promotion"), healthy.out());

        world.net.control().halt(1);
        java.util.concurrent.CompletableFuture<CliRunner.Result> watch = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> cli("watch", "demo", "--interval", "200ms", "--promote-after", "2s", "--replica",
                        onSubnet2, "--wasm", wasm, "--init-arg", HexFormat.of().formatHex(ReplicationWorld.demoInitArg()),
                        "--until-fenced", "--for", "3m"));
        RecordingProgress.await("the watch promotes", java.time.Duration.ofMinutes(2),
                () -> "live".equals(promotionState()) || watch.isDone());
        assertEquals("live", promotionState(), () -> "the watch ended before promoting: " + watch.join().err());
        world.net.control().resume(1);
        CliRunner.Result watched = ok(watch.get(2, java.util.concurrent.TimeUnit.MINUTES));
        assertEquals("fenced", promotionState(), watched.err());
        assertEquals(true, scalar(db, "SELECT automatic FROM promotions"));
        assertTrue(((String) scalar(db, "SELECT reason FROM promotions")).startsWith("health check:"));
        assertEquals(List.of("health.down", "promote.plan.automatic", "promote.live.automatic", "promote.fenced"),
                rows(db, "SELECT action FROM audit_events WHERE action LIKE 'health.%' OR action LIKE 'promote.%'"
                        + " ORDER BY event_id").stream().map(r -> (String) r.get(0)).toList(), "the audit trail");
        assertTrue(java.time.Duration.between(
                ((java.sql.Timestamp) scalar(db, "SELECT at FROM audit_events WHERE action = 'health.down'")).toInstant(),
                ((java.sql.Timestamp) scalar(db, "SELECT at FROM audit_events WHERE action = 'promote.plan.automatic'"))
                        .toInstant()).toMillis() >= 2_000, "not promoted before the configured time");
        CliRunner.Result usage = cli("watch", "demo", "--promote-after", "1s");
        assertEquals(ExitCodes.USAGE, usage.code(), usage.err());
        assertTrue(usage.err().contains("--promote-after needs --replica and --wasm"), usage.err());
    }

    /** The app's image root, asked as the coordinator's identity (the promoted canister's only controller). */
    private static String rootOf(Principal app) {
        org.replicator.coordinator.protocol.AppReplicationClient apps =
                new org.replicator.coordinator.protocol.AppReplicationClient(world.gateway);
        org.replicator.coordinator.protocol.ImageInfo image = apps.beginRooted(ReplicationWorld.id(app));
        apps.end(ReplicationWorld.id(app), image.epoch());
        return image.root().orElseThrow().hex();
    }

    private String promotionState() {
        List<List<Object>> r = rows(db, "SELECT state FROM promotions");
        return r.isEmpty() ? null : (String) r.get(0).get(0);
    }

    private String replicaOn(int subnet) {
        return (String) scalar(db, "SELECT replica_id FROM replicas WHERE subnet_id = '" + world.net.subnet(subnet).id()
                + "'");
    }

    private static String demoWasm(Path dir) throws Exception {
        return Files.write(dir.resolve("demo_app.wasm"), CanisterWasm.demoApp().bytes()).toString();
    }

    private static String field(String json, String name) {
        int at = json.indexOf("\"" + name + "\"");
        int start = json.indexOf('"', json.indexOf(':', at)) + 1;
        return json.substring(start, json.indexOf('"', start));
    }
}
