package org.replicator.canisters.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.canisters.backup.BackupFixture.run;
import static org.replicator.canisters.backup.BackupFixture.runState;

import java.math.BigInteger;
import java.time.Duration;
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
 * The backup canister against a stand-in source on another subnet: full and incremental
 * generations, verification, storage reclamation, access control, faults, upgrades, restore.
 */
class BackupCanisterTest {
    private static final long MIB = 1024 * 1024;
    private static final long IMAGE = 4 * MIB;
    private static final long CHUNKS = IMAGE / BackupFixture.CHUNK;
    /** Liquid cycles the low-cycles test starts a run with: enough to begin and pull a few chunks. */
    private static final BigInteger LOW_CYCLES_START = BigInteger.valueOf(500_000_000_000L);

    private static LocalNet net;
    private static IcClient ic;
    private static BackupFixture f;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
        f = new BackupFixture(ic);
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

    private static long started() {
        return System.nanoTime();
    }

    private static void report(String what, long t0, Object status) {
        Object r = run(status);
        System.out.printf("%s: %d ms, fetched %d chunks / %d bytes, reused %d, retries %d, cycles %s%n", what,
                (System.nanoTime() - t0) / 1_000_000, Candid.u64(r, "chunks_fetched"), Candid.u64(r, "bytes_fetched"),
                Candid.u64(r, "chunks_reused"), Candid.u64(r, "retries"), Candid.field(r, "cycles_spent"));
    }

    @Test
    void fullSyncIntoBackupsOnTwoOtherSubnetsSealsTheSourcesRootAndVerifies() {
        Principal source = f.source(1, IMAGE, 11);
        Principal onTwo = f.backup(2, source, 4);
        Principal onZero = f.backup(0, source, 4);
        long t0 = started();
        f.sync(onTwo);
        f.sync(onZero);
        Object s2 = f.awaitRun(onTwo, "sealed", "paused", "failed");
        Object s0 = f.awaitRun(onZero, "sealed", "paused", "failed");
        report("full sync 4 MiB, two backups in parallel", t0, s2);
        long instructions = net.control().canister(onTwo).orElseThrow().instructionsExecuted();
        System.out.printf("backup canister instructions: %d in all, %d per 64 KiB chunk%n", instructions, instructions / CHUNKS);
        assertEquals("sealed", runState(s2), s2::toString);
        assertEquals("sealed", runState(s0), s0::toString);
        byte[] root = f.sourceRoot(source);
        for (Principal b : List.of(onTwo, onZero)) {
            Object[] gens = f.generations(b);
            assertEquals(1, gens.length);
            assertArrayEquals(root, Candid.blob(gens[0], "root"));
            assertEquals(IMAGE, Candid.u64(gens[0], "size"));
            assertEquals(CHUNKS, Candid.u64(gens[0], "chunk_count"));
            Object v = f.verify(b, Candid.u64(gens[0], "id"));
            assertTrue((Boolean) Candid.field(v, "ok"), v::toString);
            assertArrayEquals(root, Candid.blob(v, "root"));
        }
        assertEquals(CHUNKS, Candid.u64(run(s2), "chunks_fetched"));
        assertEquals(IMAGE, Candid.u64(f.status(onTwo), "bytes_stored"));
    }

    @Test
    void incrementalSyncAfterOnePercentChangedTransfersOnlyTheChangedChunks() {
        Principal source = f.source(1, IMAGE, 12);
        Principal backup = f.backup(2, source, 4);
        f.sync(backup);
        f.awaitRun(backup, "sealed");
        f.mutate(source, 5 * BackupFixture.CHUNK + 100, IMAGE / 100, 99); // 41 KiB inside chunk 5
        long t0 = started();
        f.sync(backup);
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        report("incremental sync after 1 % changed", t0, s);
        assertEquals("sealed", runState(s), s::toString);
        Object r = run(s);
        assertTrue((Boolean) Candid.field(r, "incremental"));
        assertEquals(1, Candid.u64(r, "chunks_fetched"));
        assertEquals(CHUNKS - 1, Candid.u64(r, "chunks_reused"));
        assertEquals(BackupFixture.CHUNK, Candid.u64(r, "bytes_fetched"));
        Object[] gens = f.generations(backup);
        assertEquals(2, gens.length);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(gens[1], "root"));
        assertEquals(CHUNKS + 1, Candid.u64(s, "chunks_stored"), "unchanged chunks are stored once");
        assertTrue((Boolean) Candid.field(f.verify(backup, Candid.u64(gens[1], "id")), "ok"));
    }

    @Test
    void droppingGenerationsFreesOnlyChunksNoOtherGenerationUses() {
        Principal source = f.source(1, IMAGE, 13);
        Principal backup = f.backup(2, source, 4);
        f.sync(backup);
        f.awaitRun(backup, "sealed");
        f.mutate(source, 0, 2 * BackupFixture.CHUNK, 5);
        f.sync(backup);
        f.awaitRun(backup, "sealed");
        Object[] gens = f.generations(backup);
        long first = Candid.u64(gens[0], "id");
        long second = Candid.u64(gens[1], "id");
        assertEquals(CHUNKS + 2, Candid.u64(f.status(backup), "chunks_stored"));
        Object afterFirst = Candid.decode(ic.update(backup, "drop_generation", Candid.nat64(first)));
        assertEquals(CHUNKS, Candid.u64(afterFirst, "chunks_stored"));
        assertEquals(IMAGE, Candid.u64(afterFirst, "bytes_stored"));
        assertTrue((Boolean) Candid.field(f.verify(backup, second), "ok"), "the survivor keeps all its chunks");
        Object afterSecond = Candid.decode(ic.update(backup, "drop_generation", Candid.nat64(second)));
        assertEquals(0, Candid.u64(afterSecond, "chunks_stored"));
        assertEquals(0, Candid.u64(afterSecond, "bytes_stored"));
        assertEquals(0, f.generations(backup).length);
    }

    @Test
    void aCallerThatIsNeitherControllerNorCoordinatorIsRejected() {
        Principal source = f.source(1, BackupFixture.CHUNK, 14);
        try (IcClient stranger = IcClient.forNet(net); IcClient coordinator = IcClient.forNet(net)) {
            Principal backup = f.backup(2, BackupFixture.initArg(source, List.of(coordinator.principal()), 2, null));
            Rejected e = assertThrows(Rejected.class, () -> stranger.update(backup, "sync", Candid.EMPTY));
            assertTrue(e.getMessage().contains("NOT_ALLOWED"), e.getMessage());
            Rejected q = assertThrows(Rejected.class, () -> stranger.query(backup, "status", Candid.EMPTY));
            assertTrue(q.getMessage().contains("NOT_ALLOWED"), q.getMessage());
            coordinator.update(backup, "sync", Candid.EMPTY);
            assertEquals("sealed", runState(f.awaitRun(backup, "sealed", "paused", "failed")));
        }
    }

    @Test
    void onlyACoordinatorReplacesTheCoordinatorsNeverWithNoneAndTheOldOnesAreThenRefused() {
        Principal source = f.source(1, BackupFixture.CHUNK, 15);
        try (IcClient coordinator = IcClient.forNet(net); IcClient user = IcClient.forNet(net)) {
            // installed by `ic`, its controller, with `coordinator` as its one coordinator
            Principal backup = f.backup(2, BackupFixture.initArg(source, List.of(coordinator.principal()), 2, null));
            Rejected controller = assertThrows(Rejected.class,
                    () -> ic.update(backup, "set_coordinators", Candid.principals(List.of(user.principal()))));
            assertTrue(controller.getMessage().contains("NOT_ALLOWED") && controller.getMessage().contains("is not a"
                    + " coordinator"), controller.getMessage());
            Rejected stranger = assertThrows(Rejected.class,
                    () -> user.update(backup, "set_coordinators", Candid.principals(List.of(user.principal()))));
            assertTrue(stranger.getMessage().contains("NOT_ALLOWED"), stranger.getMessage());
            Rejected empty = assertThrows(Rejected.class,
                    () -> coordinator.update(backup, "set_coordinators", Candid.principals(List.of())));
            assertTrue(empty.getMessage().contains("BAD_ARGUMENT") && empty.getMessage().contains("at least one"),
                    empty.getMessage());
            coordinator.query(backup, "status", Candid.EMPTY); // still a coordinator: the refusals changed nothing

            Object list = Candid.decode(coordinator.update(backup, "set_coordinators",
                    Candid.principals(List.of(user.principal(), user.principal()))));
            Object[] now = (Object[]) list;
            assertEquals(1, now.length, "a principal given twice is kept once");
            assertEquals(user.principal().toString(), now[0].toString());
            Rejected old = assertThrows(Rejected.class, () -> coordinator.query(backup, "status", Candid.EMPTY));
            assertTrue(old.getMessage().contains("NOT_ALLOWED"), old.getMessage());
            user.update(backup, "sync", Candid.EMPTY);
            assertEquals("sealed", runState(f.awaitRun(backup, "sealed", "paused", "failed")));
        }
    }

    @Test
    void corruptedRepliesAreNeverSealedAndTheRunResumesOnceTheLinkIsClean() {
        Principal source = f.source(1, IMAGE, 15);
        Principal backup = f.backup(2, source, 1);
        net.control().addFault(FaultRule.builder("corrupt every reply", FaultRule.Action.CORRUPT)
                .kind(FaultRule.Kind.RESPONSE).sender(source).build());
        f.sync(backup);
        Object s = f.awaitRun(backup, "paused", "failed", "sealed");
        assertTrue(List.of("paused", "failed").contains(runState(s)), s::toString);
        assertEquals(0, f.generations(backup).length, "nothing sealed from corrupted bytes");
        assertTrue(Candid.u64(run(s), "retries") > 0, s::toString);
        net.control().clearFaults();
        f.sync(backup);
        s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void aFewCorruptedChunksAreFetchedAgainAndTheGenerationIsRight() {
        Principal source = f.source(1, IMAGE, 16);
        Principal backup = f.backup(2, source, 1);
        f.sync(backup);
        f.awaitStatus(backup, Duration.ofSeconds(60), st -> runState(st).equals("pulling"));
        net.control().addFault(FaultRule.builder("corrupt three chunks", FaultRule.Action.CORRUPT)
                .kind(FaultRule.Kind.RESPONSE).sender(source).times(3).build());
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertEquals(3, Candid.u64(run(s), "retries"), s::toString);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void aSourceThatTrapsPausesTheRunAndSyncContinuesItAfterwards() {
        Principal source = f.source(1, IMAGE, 17);
        Principal backup = f.backup(2, source, 2);
        ic.update(source, "set_failing", Candid.bool(true));
        f.sync(backup);
        Object s = f.awaitRun(backup, "paused", "failed", "sealed");
        assertEquals("paused", runState(s), s::toString);
        assertTrue(Candid.text(run(s), "error").contains("CHUNK_FAILED"), s::toString);
        long runId = Candid.u64(run(s), "id");
        ic.update(source, "set_failing", Candid.bool(false));
        f.sync(backup);
        s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertEquals(runId, Candid.u64(run(s), "id"), "the same run continued");
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void aRunWaitsOutAHaltedSourceSubnetAndCompletesAfterItResumes() {
        Principal source = f.source(1, IMAGE, 18);
        Principal backup = f.backup(2, source, 1);
        f.sync(backup);
        f.awaitStatus(backup, Duration.ofSeconds(60), st -> Candid.u64(run(st), "chunks_done") > 0);
        net.control().halt(1);
        Object halted = f.status(backup);
        assertEquals("pulling", runState(halted), halted::toString);
        long done = Candid.u64(run(halted), "chunks_done");
        assertTrue(done < CHUNKS, halted::toString);
        net.control().advanceTime(Duration.ofSeconds(5)); // the backup's timer fires meanwhile
        assertEquals(0, f.generations(backup).length);
        net.control().resume(1);
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void upgradingTheBackupCanisterMidRunKeepsItsStateAndTheRunCompletes() {
        Principal source = f.source(1, IMAGE, 19);
        Principal backup = f.backup(2, source, 2);
        f.sync(backup);
        f.awaitStatus(backup, Duration.ofSeconds(60), st -> Candid.u64(run(st), "chunks_done") > 0);
        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", Candid.EMPTY);
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        Object[] gens = f.generations(backup);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(gens[0], "root"));
        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", Candid.EMPTY);
        assertEquals(1, f.generations(backup).length, "generations survive an idle upgrade too");
        assertTrue((Boolean) Candid.field(f.verify(backup, Candid.u64(gens[0], "id")), "ok"));
    }

    @Test
    void aRunPausesAtItsCycleBudgetAndContinuesWhenTheBudgetAllows() {
        Principal source = f.source(1, IMAGE, 20);
        Principal backup = f.backup(2, BackupFixture.initArg(source, List.of(), 1, 3_000_000_000L));
        f.sync(backup);
        Object s = f.awaitRun(backup, "paused", "failed", "sealed");
        assertEquals("paused", runState(s), s::toString);
        assertTrue(Candid.text(run(s), "error").startsWith("BUDGET_EXHAUSTED"), s::toString);
        assertTrue(Candid.u64(run(s), "chunks_done") < CHUNKS);
        assertEquals(0, f.generations(backup).length);
        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", BackupFixture.initArg(source, List.of(), 4, null));
        f.sync(backup);
        s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    /**
     * Under a freezing threshold of 7.75 B seconds each stored 64 KiB chunk raises the reserve the
     * threshold holds back by 60 B cycles (64 KiB × 127 K cycles per GiB-second × 7.75 B s), more
     * than the liquid cycles any one read needs. A backup canister given a little more than a run
     * needs to start must pause before that growth freezes it, and the same run must seal the
     * source's root once it is topped up.
     */
    @Test
    void aBackupCanisterShortOfCyclesPausesUnfrozenWithLowCyclesAndTheSameRunSealsAfterATopUp() {
        Principal source = f.source(1, IMAGE, 22);
        Principal backup = f.backup(2, BackupFixture.initArg(source, List.of(), 4, null), BigInteger.valueOf(310_000_000_000L));
        BigInteger seconds = BigInteger.valueOf(7_750_000_000L);
        ic.setFreezingThreshold(backup, seconds);
        BackupFixture.Balance b = f.balance(backup);
        f.topUp(backup, b.frozenBelow().add(LOW_CYCLES_START).subtract(b.cycles()));
        BackupFixture.Balance before = f.balance(backup);
        f.sync(backup);
        Object s = f.awaitStatus(backup, Duration.ofSeconds(120), st -> {
            if (List.of("paused", "failed", "sealed").contains(runState(st))) {
                return true;
            }
            assertTrue(!f.balance(backup).frozen(), () -> "frozen before pausing; status: " + st);
            return false;
        });
        BackupFixture.Balance after = f.balance(backup);
        System.out.printf("low cycles: threshold %s s; liquid %s at the start over a reserve of %s; paused after %d of %d chunks with %s liquid over a reserve of %s: %s%n",
                seconds, before.liquid(), before.frozenBelow(), Candid.u64(run(s), "chunks_done"), CHUNKS, after.liquid(),
                after.frozenBelow(), Candid.text(run(s), "error"));
        assertEquals("paused", runState(s), s::toString);
        assertTrue(Candid.text(run(s), "error").startsWith("LOW_CYCLES"), s::toString);
        assertTrue(!after.frozen(), after::toString);
        long done = Candid.u64(run(s), "chunks_done");
        assertTrue(done > 0 && done < CHUNKS, s::toString);
        assertEquals(0, f.generations(backup).length);
        long runId = Candid.u64(run(s), "id");

        f.topUp(backup, BigInteger.valueOf(1_000_000_000_000_000L));
        f.sync(backup);
        s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertEquals(runId, Candid.u64(run(s), "id"), "the paused run is the one that completes");
        Object completed = run(s);
        // The rise that holds the top-up is received whole, less what the canister spent in the
        // same interval (the sync message itself).
        assertTrue(((BigInteger) Candid.field(completed, "cycles_received")).compareTo(BigInteger.valueOf(990_000_000_000_000L)) >= 0,
                () -> "the top-up while paused is received, not negative spending: " + completed);
        assertTrue(((BigInteger) Candid.field(completed, "cycles_spent")).signum() > 0, completed::toString);
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    /**
     * A balance that rises by more than the calls in flight could refund was topped up: the rise
     * is received cycles, and what the run spent stays what it spent (a 4 MiB pull costs about
     * 5 B cycles, nowhere near 1 T). The rise is the top-up less the fee of the message that sees
     * it (about 11 M cycles), so what is received is within 1 B of the 10 T.
     */
    @Test
    void aTopUpWhileTheRunPullsIsCountedAsReceivedAndCyclesSpentStaysTheRunsCost() {
        BigInteger tenT = BigInteger.valueOf(10_000_000_000_000L);
        Principal source = f.source(1, IMAGE, 24);
        Principal backup = f.backup(2, source, 2);
        f.sync(backup);
        f.awaitStatus(backup, Duration.ofSeconds(60), st -> runState(st).equals("pulling") && Candid.u64(run(st), "chunks_done") > 0);
        net.control().halt(1); // keeps the run pulling, with reads in flight, while the top-up lands
        f.topUp(backup, tenT);
        net.control().advanceTime(Duration.ofSeconds(3)); // the backup canister's timer looks at its balance meanwhile
        assertEquals("pulling", runState(f.status(backup)));
        net.control().resume(1);
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        BigInteger spent = (BigInteger) Candid.field(run(s), "cycles_spent");
        BigInteger received = (BigInteger) Candid.field(run(s), "cycles_received");
        System.out.printf("top-up of %s during a run: cycles_spent %s, cycles_received %s%n", tenT, spent, received);
        assertTrue(spent.signum() > 0 && spent.compareTo(BigInteger.valueOf(1_000_000_000_000L)) < 0, () -> run(s).toString());
        assertTrue(received.subtract(tenT).abs().compareTo(BigInteger.valueOf(1_000_000_000L)) < 0, () -> run(s).toString());
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    /**
     * A chunk one byte short, sent with the hash of the bytes sent, passes the hash check; only the
     * length the image implies tells it apart. It must never be stored or sealed.
     */
    @Test
    void truncatedChunksAreNeverStoredTheRunPausesWithTheReasonAndCompletesOnceChunksAreWhole() {
        Principal source = f.source(1, IMAGE, 23);
        Principal backup = f.backup(2, source, 4);
        f.truncateChunks(source, true);
        f.sync(backup);
        Object s = f.awaitRun(backup, "paused", "failed", "sealed");
        String why = Candid.text(run(s), "error");
        System.out.printf("truncated chunks: paused after %d retries: %s%n", Candid.u64(run(s), "retries"), why);
        assertEquals("paused", runState(s), s::toString);
        assertTrue(why.startsWith("CHUNK_FAILED") && why.contains("BAD_CHUNK") && why.contains("bytes, expected " + BackupFixture.CHUNK), why);
        assertTrue(Candid.u64(run(s), "retries") >= 4, s::toString);
        assertEquals(0, Candid.u64(run(s), "chunks_done"));
        assertEquals(0, Candid.u64(s, "chunks_stored"), "no truncated chunk is stored");
        assertEquals(0, Candid.u64(s, "bytes_stored"));
        assertEquals(0, f.generations(backup).length);
        long runId = Candid.u64(run(s), "id");

        f.truncateChunks(source, false);
        f.sync(backup);
        s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        assertEquals(runId, Candid.u64(run(s), "id"), "the paused run is the one that completes");
        assertEquals(CHUNKS, Candid.u64(s, "chunks_stored"));
        assertArrayEquals(f.sourceRoot(source), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void restoreToAFreshCanisterGivesItTheGenerationsRoot() {
        Principal source = f.source(1, IMAGE, 21);
        Principal backup = f.backup(2, source, 4);
        f.sync(backup);
        f.awaitRun(backup, "sealed");
        Object gen = f.generations(backup)[0];
        Principal fresh = ic.deploy(0, BackupFixture.SOURCE_WASM);
        assertNull(Candid.field(f.status(backup), "restore"));
        long t0 = started();
        ic.update(backup, "restore_to", Candid.rec().principal("target", fresh).nat64("generation", Candid.u64(gen, "id")).bytes());
        Object s = f.awaitStatus(backup, Duration.ofSeconds(120), st -> {
            Object r = Candid.field(st, "restore");
            return r != null && List.of("committed", "failed").contains(Candid.text(r, "state"));
        });
        System.out.printf("restore 4 MiB: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        Object r = Candid.field(s, "restore");
        assertEquals("committed", Candid.text(r, "state"), s::toString);
        assertEquals(CHUNKS, Candid.u64(r, "chunks_written"));
        assertArrayEquals(Candid.blob(gen, "root"), f.sourceRoot(fresh));
    }
}
