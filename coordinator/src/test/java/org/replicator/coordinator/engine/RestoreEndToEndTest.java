package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.id;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.restore.RestoreDriver;
import org.replicator.coordinator.restore.RestoreProgress;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.RestoreRecord;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.network.FaultRule;

/**
 * `replicator restore` end to end: a backup canister pushes a sealed generation into the original
 * or into a new canister by inter-canister calls; the coordinator plans, records and checks it.
 */
class RestoreEndToEndTest extends WorldTest {
    @Test
    void restoreIntoTheOriginalIsRefusedWhileNewerWritesWouldBeLostAndWithForceBringsTheGenerationBack() {
        Principal app = replicatedApp(11);
        byte[] sealed = checksum(app);
        long changed = world.mutate(app, 100_000, 3);
        assertTrue(changed > 0);
        byte[] afterWrites = checksum(app);
        assertFalse(java.util.Arrays.equals(sealed, afterWrites), "the writes changed the app");

        CliRunner.Result refused = cli("restore", "demo");
        assertEquals(ExitCodes.FAILURE, refused.code(), refused.out() + refused.err());
        assertTrue(refused.err().contains("were written since generation") && refused.err().contains("--force"),
                refused.err());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM restores"), "nothing recorded");
        assertArrayEquals(afterWrites, checksum(app), "nothing written");

        CliRunner.Result plan = ok(cli("restore", "demo", "--dry-run"));
        assertTrue(plan.out().contains("restore plan for " + app) && plan.out().contains("would be overwritten")
                && plan.out().contains("estimate:"), plan.out());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM restores"), "a dry run records nothing");

        CliRunner.Result restored = ok(cli("restore", "demo", "--force"));
        assertTrue(restored.out().contains("done") && restored.out().contains("verified"), restored.out());
        assertArrayEquals(sealed, checksum(app), "the app holds the sealed generation's state again");
        List<Object> row = rows(db, "SELECT state, verified, forced, writes_overwritten > 0, target_kind FROM restores").get(0);
        assertEquals(List.of("done", true, true, true, "original"), row);
        assertTrue(big(scalar(db, "SELECT sum(amount) FROM cycle_ledger WHERE kind = 'restore'")).signum() > 0,
                "the backup canister's balance decrease is recorded as the restore's cost");
        assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'restore.done'"));
        // the app takes writes again after the restore
        world.mutate(app, 10_000, 4);
        assertFalse(java.util.Arrays.equals(sealed, checksum(app)));
    }

    @Test
    void restoreIntoANewCanisterCreatesItOnTheChosenSubnetWithTheSourcesModule(@TempDir Path dir) throws Exception {
        Principal app = replicatedApp(12);
        byte[] sealed = checksum(app);
        world.mutate(app, 50_000, 5);
        byte[] original = checksum(app);
        Path wasm = Files.write(dir.resolve("demo_app.wasm"), CanisterWasm.demoApp().bytes());
        String subnet = world.net.subnet(2).id().toString();

        // without the original's init argument the new canister would cut its image into 1 MiB chunks
        CliRunner.Result mismatch = cli("restore", "demo", "--into", "new", "--subnet", subnet, "--wasm",
                wasm.toString());
        assertEquals(ExitCodes.FAILURE, mismatch.code(), mismatch.out() + mismatch.err());
        assertTrue(mismatch.out().contains("1048576-byte chunks") && mismatch.out().contains("--init-arg"),
                mismatch.out());
        CliRunner.Result r = ok(cli("restore", "demo", "--into", "new", "--subnet", subnet, "--wasm", wasm.toString(),
                "--init-arg", java.util.HexFormat.of().formatHex(ReplicationWorld.demoInitArg()), "--json"));
        String target = jsonField(r.out(), "target");
        assertEquals("done", jsonField(r.out(), "state"));
        Principal created = Principal.fromText(target);
        assertEquals(world.net.subnet(2).id(), world.net.subnetOf(created).orElseThrow().id(), "created on the chosen subnet");
        assertArrayEquals(sealed, checksum(created), "the new canister holds the generation's state");
        assertArrayEquals(original, checksum(app), "the original was not touched");
        assertEquals(CanisterWasm.demoApp().sha256Hex(),
                scalar(db, "SELECT encode(source_module_hash, 'hex') FROM generations LIMIT 1"),
                "generations record the module their source ran");
    }

    @Test
    void badRequestsAreRefusedWithNothingWritten(@TempDir Path dir) throws Exception {
        Principal app = replicatedApp(13);
        byte[] before = checksum(app);
        Path backupWasm = Files.write(dir.resolve("backup.wasm"), CanisterWasm.backupCanister().bytes());
        Path notWasm = Files.writeString(dir.resolve("notes.txt"), "not a module");
        Path demoWasm = Files.write(dir.resolve("demo.wasm"), CanisterWasm.demoApp().bytes());

        refused(cli("restore", "nosuch"), "no protected canister is called nosuch");
        refused(cli("restore", "demo", "--generation", "999"), "no generation 999");
        refused(cli("restore", "demo", "--from", "aaaaa-aa"), "is not a replica of canister");
        refused(cli("restore", "demo", "--into", "new", "--subnet", world.net.subnet(2).id().toString()),
                "--into new needs --wasm FILE");
        refused(cli("restore", "demo", "--into", "new", "--wasm", backupWasm.toString()),
                "does not export restore_begin");
        refused(cli("restore", "demo", "--into", "new", "--wasm", notWasm.toString()), "is not a WebAssembly module");
        refused(cli("restore", "demo", "--wasm", demoWasm.toString()), "are for --into new");
        refused(cli("restore", "demo", "--into", "new", "--wasm", demoWasm.toString(), "--init-arg", "zz"),
                "--init-arg must be Candid bytes in hex");
        ReplicationWorld.rows(db, "SELECT 1"); // the database is reachable
        // a generation record whose root no longer matches what the backup canister holds
        ReplicationWorld.execute(db, "UPDATE generations SET root = decode(repeat('ab', 32), 'hex')"
                + " WHERE generation_id = (SELECT min(generation_id) FROM generations)");
        Object tampered = scalar(db, "SELECT min(generation_id) FROM generations");
        refused(cli("restore", "demo", "--generation", tampered.toString()), "was sealed with root");

        // an identity that controls neither the replicas nor the app
        Path stranger = IdentitiesTest.fixture("secp256k1-pkcs8.pem");
        CliRunner.Result foreign = CliRunner.run("restore", "demo", "--jdbc-url", db.jdbcUrl(), "--db-user", db.user(),
                "--network", world.net.url().toString(), "--identity", stranger.toString());
        assertEquals(ExitCodes.IC, foreign.code(), foreign.out() + foreign.err());
        assertTrue(foreign.err().contains("NOT_ALLOWED"), foreign.err());

        assertEquals(0L, scalar(db, "SELECT count(*) FROM restores"), "no restore recorded");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM cycle_ledger WHERE kind IN ('restore', 'creation')"
                + " AND replica_id IS NULL"), "no canister created");
        assertArrayEquals(before, checksum(app), "the app untouched");
    }

    @Test
    void chunksDamagedOnTheWayFailTheRestoreAndLeaveTheTargetAsItWasThenARetrySucceeds() {
        Principal app = replicatedApp(14);
        byte[] sealed = checksum(app);
        world.mutate(app, 30_000, 6);
        byte[] changed = checksum(app);
        world.net.control().addFault(FaultRule.builder("corrupt restore writes", FaultRule.Action.CORRUPT)
                .kind(FaultRule.Kind.REQUEST).method("restore_write").build());
        CliRunner.Result failed = cli("restore", "demo", "--force");
        world.net.control().clearFaults();
        assertEquals(ExitCodes.FAILURE, failed.code(), failed.out() + failed.err());
        assertTrue(failed.out().contains("failed") && failed.out().contains("left " + app + " as it was"), failed.out());
        assertArrayEquals(changed, checksum(app), "the target kept its state");
        assertEquals("failed", scalar(db, "SELECT state FROM restores"));

        ok(cli("restore", "demo", "--force"));
        assertArrayEquals(sealed, checksum(app));
    }

    @Test
    void aRestoreWhoseCoordinatorStoppedMidWayIsResumedByTheNextRestoreCommand() {
        Principal app = replicatedApp(15);
        byte[] sealed = checksum(app);
        world.mutate(app, 30_000, 7);
        // a coordinator that records the restore and asks for the push, then stops
        CliRunner.Result planned = ok(cli("restore", "demo", "--force", "--dry-run"));
        assertTrue(planned.out().contains("restore plan"), planned.out());
        try (Database database = Database.open(db)) {
            AppReplicationClient apps = new AppReplicationClient(world.gateway);
            RestoreDriver driver = new RestoreDriver(database, world.gateway, apps, world.backups,
                    new ProvisionalFunding(world.gateway), Duration.ofMillis(100));
            org.replicator.coordinator.restore.RestorePlan plan = new org.replicator.coordinator.restore.RestorePlanner(
                    database, world.gateway, apps, world.backups, org.replicator.coordinator.costs.FeeTable.load())
                    .plan(new org.replicator.coordinator.restore.RestoreRequest("demo", Optional.empty(), Optional.empty(),
                            RestoreRecord.Target.ORIGINAL, Optional.empty(), Optional.empty(), BigInteger.ZERO, true,
                            false));
            RestoreRecord recorded = driver.record(plan, "test");
            class Stopped extends RuntimeException {
            }
            assertThrows(Stopped.class, () -> driver.drive(recorded.id(), Optional.empty(), BigInteger.ZERO, "test",
                    new RestoreProgress() {
                        @Override
                        public void state(RestoreRecord r) {
                            if (r.state() == RestoreRecord.State.WRITING && r.pushRequestedAt().isPresent()) {
                                throw new Stopped();
                            }
                        }
                    }));
        }
        assertEquals("writing", scalar(db, "SELECT state FROM restores"));
        CliRunner.Result resumed = ok(cli("restore", "demo"));
        assertTrue(resumed.err().contains("resuming restore"), resumed.err());
        assertArrayEquals(sealed, checksum(app));
        assertEquals(1L, scalar(db, "SELECT count(*) FROM restores"), "the same restore finished, no second one");
        assertEquals("done", scalar(db, "SELECT state FROM restores"));
    }

    /** The demo app (1 MiB, 64 KiB chunks) protected as "demo" with two replicas and one sealed full run. */
    private Principal replicatedApp(long seed) {
        Principal app = world.protectedApp(db, 1, seed, "demo", 2);
        ok(cli("replicate", "demo"));
        return app;
    }

    private static String jsonField(String json, String name) {
        int at = json.indexOf("\"" + name + "\"");
        int start = json.indexOf('"', json.indexOf(':', at)) + 1;
        return json.substring(start, json.indexOf('"', start));
    }
}
