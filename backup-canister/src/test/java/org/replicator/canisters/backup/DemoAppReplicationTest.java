package org.replicator.canisters.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.canisters.backup.BackupFixture.run;
import static org.replicator.canisters.backup.BackupFixture.runState;
import static org.replicator.canisters.backup.DemoAppFixture.MIB;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.network.FaultRule;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;

/**
 * The backup canister against the real replication library: the demo app on subnet 1 as the
 * source, backup canisters on subnets 2 and 0, restores into fresh demo apps. The localnet's
 * control interface is used only to inject faults and read the canisters' counters.
 */
class DemoAppReplicationTest {
    private static final long SMALL_CHUNK = 64 * 1024;

    private static LocalNet net;
    private static IcClient ic;
    private static BackupFixture f;
    private static DemoAppFixture demo;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
        f = new BackupFixture(ic);
        demo = new DemoAppFixture(ic);
    }

    @AfterEach
    void clearFaults() {
        net.control().clearFaults();
        for (int i = 0; i < 3; i++) {
            if (net.control().isHalted(i)) {
                net.control().resume(i);
            }
        }
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    /** A demo app with data on subnet 1 and a backup canister for it on `backupSubnet`. */
    private record Pair(Principal app, Principal backup) {
    }

    private static Pair pair(long mib, Long chunkSize, int backupSubnet, int parallelism, long seed) {
        Principal app = demo.deploy(1, chunkSize);
        demo.fill(app, mib, seed);
        Principal backup = f.backup(backupSubnet, app, parallelism);
        demo.allow(app, backup);
        return new Pair(app, backup);
    }

    private static Object sealed(Principal backup) {
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        return s;
    }

    private static Object awaitPulling(Principal backup) {
        return f.awaitStatus(backup, Duration.ofSeconds(60),
                st -> runState(st).equals("pulling") && Candid.u64(run(st), "chunks_done") > 0);
    }

    private static Object lastGeneration(Principal backup) {
        Object[] gens = f.generations(backup);
        return gens[gens.length - 1];
    }

    private static void assertRejected(String code, Runnable call) {
        Rejected r = assertThrows(Rejected.class, call::run);
        assertTrue(r.getMessage().contains(code), () -> "expected " + code + ", reject was: " + r.getMessage());
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void sixtyFourMiBAreBackedUpOnTwoSubnetsWithTheSourcesRootAndRestoredWithTheSameChecksum() {
        long t0 = System.nanoTime();
        Principal app = demo.deploy(1, null);
        long data = demo.fill(app, 64, 1);
        long filled = ms(t0);
        Principal onTwo = f.backup(2, app, 4);
        Principal onZero = f.backup(0, app, 4);
        demo.allow(app, onTwo);
        demo.allow(app, onZero);
        // The test holds the epoch too, so it sees the root the source announces for this image.
        Object image = demo.begin(app);
        byte[] root = Candid.blob(image, "root");
        long epoch = Candid.u64(image, "epoch");
        long t1 = System.nanoTime();
        f.sync(onTwo);
        f.sync(onZero);
        Object s2 = sealed(onTwo);
        Object s0 = sealed(onZero);
        long synced = ms(t1);
        for (Principal b : List.of(onTwo, onZero)) {
            Object[] gens = f.generations(b);
            assertEquals(1, gens.length);
            assertArrayEquals(root, Candid.blob(gens[0], "root"), "the generation is the image the source announced");
            assertEquals(epoch, Candid.u64(gens[0], "epoch"), "both backups share the one open epoch");
            assertEquals(Candid.u64(image, "size"), Candid.u64(gens[0], "size"));
            Object v = f.verify(b, Candid.u64(gens[0], "id"));
            assertTrue((Boolean) Candid.field(v, "ok"), v::toString);
            assertArrayEquals(root, Candid.blob(v, "root"));
        }
        demo.end(app, epoch);

        Principal fresh = demo.deploy(0, null);
        demo.allow(fresh, onZero);
        long t2 = System.nanoTime();
        Object r = demo.restore(f, onZero, fresh, Candid.u64(lastGeneration(onZero), "id"));
        long restored = ms(t2);
        assertEquals("committed", Candid.text(r, "state"), r::toString);
        assertArrayEquals(demo.checksum(app), demo.checksum(fresh), "the restored app holds the same logical state");
        System.out.printf("demo app %d MiB (image %d bytes, %d chunks): filled in %d ms; two backups synced in %d ms "
                + "(%.1f MiB/s each), fetched %d + %d chunks; restored in %d ms%n", data / MIB, Candid.u64(image, "size"),
                Candid.u64(image, "chunk_count"), filled, synced, Candid.u64(image, "size") / (double) MIB / (synced / 1000.0),
                Candid.u64(run(s2), "chunks_fetched"), Candid.u64(run(s0), "chunks_fetched"), restored);
    }

    @Test
    void writesDuringASyncStayOutOfItsGenerationAndTheNextIncrementalOneHasThem() {
        Pair p = pair(8, SMALL_CHUNK, 2, 1, 2);
        byte[] before = demo.checksum(p.app());
        Object image = demo.begin(p.app());
        f.sync(p.backup());
        awaitPulling(p.backup());
        demo.mutate(p.app(), MIB, 3);
        demo.createPost(p.app(), "written while the backup pulls");
        Object during = f.status(p.backup());
        assertEquals("pulling", runState(during), () -> "the writes landed mid-pull: " + during);
        byte[] after = demo.checksum(p.app());
        assertFalse(Arrays.equals(before, after));
        sealed(p.backup());
        Object first = lastGeneration(p.backup());
        assertArrayEquals(Candid.blob(image, "root"), Candid.blob(first, "root"), "the generation is the image at begin");
        assertEquals(Candid.u64(image, "epoch"), Candid.u64(first, "epoch"));
        demo.end(p.app(), Candid.u64(image, "epoch"));

        Principal fresh = demo.deploy(0, SMALL_CHUNK);
        demo.allow(fresh, p.backup());
        Object r = demo.restore(f, p.backup(), fresh, Candid.u64(first, "id"));
        assertEquals("committed", Candid.text(r, "state"), r::toString);
        assertArrayEquals(before, demo.checksum(fresh), "restored: the state at begin, without the later writes");

        f.sync(p.backup());
        Object s = sealed(p.backup());
        assertTrue((Boolean) Candid.field(run(s), "incremental"));
        assertTrue(Candid.u64(run(s), "chunks_fetched") > 0);
        Object second = lastGeneration(p.backup());
        assertNotEquals(Arrays.toString(Candid.blob(first, "root")), Arrays.toString(Candid.blob(second, "root")));
        Object now = demo.begin(p.app());
        assertArrayEquals(Candid.blob(now, "root"), Candid.blob(second, "root"), "the next generation has the writes");
        demo.end(p.app(), Candid.u64(now, "epoch"));
        r = demo.restore(f, p.backup(), fresh, Candid.u64(second, "id"));
        assertEquals("committed", Candid.text(r, "state"), r::toString);
        assertArrayEquals(after, demo.checksum(fresh));
    }

    @Test
    void afterOnePercentChangedTheIncrementalGenerationTransfersAtMostTwoPercentOfTheImage() {
        Pair p = pair(32, SMALL_CHUNK, 2, 8, 4);
        f.sync(p.backup());
        sealed(p.backup());
        long size = Candid.u64(lastGeneration(p.backup()), "size");
        long changed = demo.mutate(p.app(), size / 100, 5);
        f.sync(p.backup());
        Object s = sealed(p.backup());
        Object r = run(s);
        long fetched = Candid.u64(r, "bytes_fetched");
        System.out.printf("incremental after %d of %d bytes changed (%.2f %%): fetched %d chunks, %d bytes (%.2f %%), reused %d%n",
                changed, size, 100.0 * changed / size, Candid.u64(r, "chunks_fetched"), fetched, 100.0 * fetched / size,
                Candid.u64(r, "chunks_reused"));
        assertTrue((Boolean) Candid.field(r, "incremental"));
        assertTrue(fetched >= changed, "every changed byte was transferred");
        assertTrue(fetched <= size / 50, () -> "transferred " + fetched + " of " + size);
        Object now = demo.begin(p.app());
        assertArrayEquals(Candid.blob(now, "root"), Candid.blob(lastGeneration(p.backup()), "root"));
        demo.end(p.app(), Candid.u64(now, "epoch"));
    }

    @Test
    void foreignCallersAreRejectedByTheAppAndByTheBackupCanister() {
        Pair p = pair(1, SMALL_CHUNK, 2, 2, 6);
        try (IcClient stranger = IcClient.forNet(net)) {
            assertRejected("NOT_ALLOWED", () -> stranger.update(p.app(), "replication_begin", Candid.EMPTY));
            assertRejected("NOT_ALLOWED", () -> stranger.update(p.app(), "replication_read",
                    Candid.rec().nat64("epoch", 1).nat64("index", 0).bytes()));
            assertRejected("NOT_ALLOWED", () -> stranger.update(p.app(), "restore_begin",
                    Candid.rec().nat64("size", 1).nat64("chunk_size", SMALL_CHUNK).put("root", new byte[32],
                            org.ic4j.candid.parser.IDLType.createType(org.ic4j.candid.types.Type.VEC,
                                    org.ic4j.candid.parser.IDLType.createType(org.ic4j.candid.types.Type.NAT8))).bytes()));
            assertRejected("NOT_ALLOWED", () -> stranger.update(p.backup(), "sync", Candid.EMPTY));
            assertRejected("NOT_ALLOWED", () -> stranger.query(p.backup(), "status", Candid.EMPTY));
            assertRejected("NOT_ALLOWED", () -> stranger.update(p.backup(), "restore_to",
                    Candid.rec().principal("target", p.app()).nat64("generation", 1).bytes()));
        }
        assertEquals("none", runState(f.status(p.backup())), "the stranger started nothing");
        f.sync(p.backup());
        sealed(p.backup());
    }

    @Test
    void unknownEndedAndOutOfRangeReadsAndMalformedCandidAreRejectedByTheLiveApp() {
        Pair p = pair(1, SMALL_CHUNK, 2, 2, 7);
        f.sync(p.backup());
        sealed(p.backup());
        long sealedEpoch = Candid.u64(lastGeneration(p.backup()), "epoch");
        byte[] checksum = demo.checksum(p.app());
        assertRejected("UNKNOWN_EPOCH", () -> demo.read(p.app(), sealedEpoch + 1000, 0));
        assertRejected("UNKNOWN_EPOCH", () -> demo.read(p.app(), 0, 0));
        assertRejected("EPOCH_ENDED", () -> demo.read(p.app(), sealedEpoch, 0)); // the backup ended it
        Object open = demo.begin(p.app());
        long count = Candid.u64(open, "chunk_count");
        assertRejected("INDEX_OUT_OF_RANGE", () -> demo.read(p.app(), Candid.u64(open, "epoch"), count));
        assertRejected("BAD_ARGUMENT", () -> ic.update(p.app(), "replication_read", "DIDL\u0001\u006c".getBytes()));
        assertRejected("BAD_ARGUMENT", () -> ic.update(p.app(), "replication_read", new byte[] {1, 2, 3}));
        assertRejected("BAD_ARGUMENT", () -> ic.update(p.app(), "replication_read", Candid.rec().nat64("epoch", 1).bytes()));
        assertRejected("BAD_ARGUMENT", () -> ic.update(p.backup(), "verify", new byte[] {1, 2, 3}));
        // None of it disturbed the open epoch or the data: a read still serves the announced chunk.
        Object chunk = demo.read(p.app(), Candid.u64(open, "epoch"), 0);
        assertEquals(SMALL_CHUNK, Candid.blob(chunk, "bytes").length);
        demo.end(p.app(), Candid.u64(open, "epoch"));
        assertArrayEquals(checksum, demo.checksum(p.app()));
    }

    @Test
    void chunksCorruptedInTransitAreNeverSealedAndACleanLinkSealsTheSourcesRoot() {
        Pair p = pair(2, SMALL_CHUNK, 2, 2, 8);
        // One flipped byte per reply lands in the chunk's bytes (hash mismatch), its hash, or the
        // Candid framing (a reply that does not decode or whose blob is cut short): all refused.
        f.sync(p.backup());
        f.awaitStatus(p.backup(), Duration.ofSeconds(60), st -> runState(st).equals("pulling"));
        net.control().addFault(FaultRule.builder("corrupt every reply of the app", FaultRule.Action.CORRUPT)
                .kind(FaultRule.Kind.RESPONSE).sender(p.app()).build());
        Object s = f.awaitRun(p.backup(), "paused", "failed", "sealed");
        assertEquals("paused", runState(s), s::toString);
        assertTrue(Candid.text(run(s), "error").startsWith("CHUNK_FAILED"), s::toString);
        assertEquals(0, f.generations(p.backup()).length, "nothing sealed from corrupted bytes");
        assertTrue(Candid.u64(run(s), "chunks_done") < Candid.u64(run(s), "chunks_total"), s::toString);
        net.control().clearFaults();
        f.sync(p.backup());
        sealed(p.backup());
        Object now = demo.begin(p.app());
        assertArrayEquals(Candid.blob(now, "root"), Candid.blob(lastGeneration(p.backup()), "root"));
        demo.end(p.app(), Candid.u64(now, "epoch"));
    }

    @Test
    void aRestoreWhoseRootDoesNotMatchLeavesTheTargetUntouched() {
        Pair p = pair(1, SMALL_CHUNK, 0, 2, 9);
        // The target on another subnet than the backup canister: chunks cross the network.
        f.sync(p.backup());
        sealed(p.backup());
        Object gen = lastGeneration(p.backup());
        Principal target = demo.deploy(2, SMALL_CHUNK);
        demo.fill(target, 1, 10);
        demo.allow(target, p.backup());
        byte[] targetChecksum = demo.checksum(target);

        // Chunks damaged on the way to the target: the echoed hashes differ, the push gives up
        // and aborts the staged image, so the target takes its own writes again.
        net.control().addFault(FaultRule.builder("corrupt restore writes", FaultRule.Action.CORRUPT)
                .kind(FaultRule.Kind.REQUEST).sender(p.backup()).method("restore_write").build());
        Object r = demo.restore(f, p.backup(), target, Candid.u64(gen, "id"));
        assertEquals("failed", Candid.text(r, "state"), r::toString);
        net.control().clearFaults();
        assertArrayEquals(targetChecksum, demo.checksum(target));
        f.awaitStatus(p.backup(), Duration.ofSeconds(30),
                st -> Candid.field(demo.replicationStatus(target), "staged_restore") == null);
        demo.createPost(target, "the target still takes writes");
        targetChecksum = demo.checksum(target);

        // Every chunk right, the root wrong: commit refuses and the state stays.
        long restore = Candid.u64(Candid.decode(ic.update(target, "restore_begin", Candid.rec()
                .nat64("size", Candid.u64(gen, "size")).nat64("chunk_size", SMALL_CHUNK)
                .put("root", new byte[32], blobType()).bytes())), "restore");
        for (long i = 0; i < Candid.u64(gen, "chunk_count"); i++) {
            Object c = Candid.decode(ic.query(p.backup(), "read_chunk",
                    Candid.rec().nat64("generation", Candid.u64(gen, "id")).nat64("index", i).bytes()));
            ic.update(target, "restore_write", Candid.rec().nat64("restore", restore).nat64("index", i)
                    .put("bytes", Candid.blob(c, "bytes"), blobType()).bytes());
        }
        assertRejected("ROOT_MISMATCH", () -> ic.update(target, "restore_commit",
                Candid.rec().nat64("restore", restore).put("root", new byte[32], blobType()).bytes()));
        assertArrayEquals(targetChecksum, demo.checksum(target), "a refused commit changes nothing");
        ic.update(target, "restore_abort", Candid.rec().nat64("restore", restore).bytes());

        r = demo.restore(f, p.backup(), target, Candid.u64(gen, "id"));
        assertEquals("committed", Candid.text(r, "state"), r::toString);
        assertArrayEquals(demo.checksum(p.app()), demo.checksum(target));
    }

    private static org.ic4j.candid.parser.IDLType blobType() {
        return org.ic4j.candid.parser.IDLType.createType(org.ic4j.candid.types.Type.VEC,
                org.ic4j.candid.parser.IDLType.createType(org.ic4j.candid.types.Type.NAT8));
    }

    /**
     * The source traps mid-run the way it would in production: its controller upgrades it to a
     * broken release whose replication methods trap (the upgrade also ends the open epoch). The
     * run pauses; once the fixed release is installed, `sync` continues and seals the new image.
     */
    @Test
    void aSourceThatStartsTrappingMidRunPausesTheRunAndAFixedReleaseIsBackedUp() {
        Pair p = pair(4, SMALL_CHUNK, 2, 1, 11);
        byte[] checksum = demo.checksum(p.app());
        f.sync(p.backup());
        awaitPulling(p.backup());
        ic.install(p.app(), DemoAppFixture.trappingModule(), "upgrade", Candid.EMPTY);
        Object s = f.awaitRun(p.backup(), "paused", "failed", "sealed");
        assertTrue(List.of("paused", "failed").contains(runState(s)), s::toString);
        assertEquals(0, f.generations(p.backup()).length);
        ic.install(p.app(), DemoAppFixture.DEMO_WASM, "upgrade", Candid.EMPTY);
        assertArrayEquals(checksum, demo.checksum(p.app()), "the app's data survived the broken release");
        f.sync(p.backup());
        sealed(p.backup());
        Object now = demo.begin(p.app());
        Object gen = lastGeneration(p.backup());
        assertArrayEquals(Candid.blob(now, "root"), Candid.blob(gen, "root"));
        demo.end(p.app(), Candid.u64(now, "epoch"));
        assertTrue((Boolean) Candid.field(f.verify(p.backup(), Candid.u64(gen, "id")), "ok"));
    }

    @Test
    void aRunWaitsOutTheSourcesHaltedSubnetAndSealsAfterItResumes() {
        Pair p = pair(4, SMALL_CHUNK, 2, 1, 12);
        Object image = demo.begin(p.app());
        f.sync(p.backup());
        awaitPulling(p.backup());
        net.control().halt(1);
        Object halted = f.status(p.backup());
        net.control().advanceTime(Duration.ofSeconds(5)); // the backup canister's timer fires meanwhile
        assertTrue(List.of("pulling", "paused").contains(runState(f.status(p.backup()))), halted::toString);
        assertEquals(0, f.generations(p.backup()).length);
        net.control().resume(1);
        Object s = f.awaitRun(p.backup(), "sealed", "paused", "failed");
        if (runState(s).equals("paused")) {
            f.sync(p.backup()); // resumable: the same run continues
            s = sealed(p.backup());
        }
        assertEquals("sealed", runState(s), s::toString);
        assertArrayEquals(Candid.blob(image, "root"), Candid.blob(lastGeneration(p.backup()), "root"));
        demo.end(p.app(), Candid.u64(image, "epoch"));
    }

    @Test
    void upgradingTheBackupCanisterMidRunContinuesTheRunToTheSourcesRoot() {
        Pair p = pair(4, SMALL_CHUNK, 2, 2, 13);
        Object image = demo.begin(p.app());
        f.sync(p.backup());
        Object before = awaitPulling(p.backup());
        ic.install(p.backup(), BackupFixture.BACKUP_WASM, "upgrade", Candid.EMPTY);
        Object s = sealed(p.backup());
        assertEquals(Candid.u64(run(before), "id"), Candid.u64(run(s), "id"), "the same run continued");
        Object gen = lastGeneration(p.backup());
        assertArrayEquals(Candid.blob(image, "root"), Candid.blob(gen, "root"));
        demo.end(p.app(), Candid.u64(image, "epoch"));
        assertTrue((Boolean) Candid.field(f.verify(p.backup(), Candid.u64(gen, "id")), "ok"));
    }

    /**
     * Running short of cycles as the operator bounds it: a per-run cycle budget smaller than the
     * image costs pauses the run mid-pull; a larger budget (an upgrade with a new argument) and
     * `sync` continue the same run to the source's root.
     */
    @Test
    void aRunThatRunsOutOfItsCycleBudgetPausesAndSealsOnceTheBudgetAllows() {
        Principal app = demo.deploy(1, null);
        demo.fill(app, 8, 14);
        Principal backup = f.backup(2, BackupFixture.initArg(app, List.of(), 1, 4_000_000_000L));
        demo.allow(app, backup);
        Object image = demo.begin(app);
        f.sync(backup);
        Object s = f.awaitRun(backup, "paused", "failed", "sealed");
        assertEquals("paused", runState(s), s::toString);
        assertTrue(Candid.text(run(s), "error").startsWith("BUDGET_EXHAUSTED"), s::toString);
        long done = Candid.u64(run(s), "chunks_done");
        assertTrue(done > 0 && done < Candid.u64(run(s), "chunks_total"), s::toString);
        assertEquals(0, f.generations(backup).length);
        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", BackupFixture.initArg(app, List.of(), 4, null));
        f.sync(backup);
        Object sealed = sealed(backup);
        assertEquals(Candid.u64(run(s), "id"), Candid.u64(run(sealed), "id"), "the same run continued");
        assertArrayEquals(Candid.blob(image, "root"), Candid.blob(lastGeneration(backup), "root"));
        demo.end(app, Candid.u64(image, "epoch"));
        System.out.printf("cycle budget: paused after %d chunks, %s cycles; sealed after the budget was lifted%n", done,
                Candid.field(run(s), "cycles_spent"));
    }
}
