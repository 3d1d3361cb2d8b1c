package org.replicator.canisters.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.canisters.backup.BackupFixture.run;
import static org.replicator.canisters.backup.BackupFixture.runState;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;

/**
 * set_source: a backup canister re-pointed at another demo app (a promoted replica) keeps its
 * generations, pulls the new source in full once and incrementally after that.
 */
class SetSourceTest {
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
    void resumeSubnets() {
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

    private static Principal app(long mib, long seed) {
        Principal app = demo.deploy(1, SMALL_CHUNK);
        demo.fill(app, mib, seed);
        return app;
    }

    private static Object sealed(Principal backup) {
        Object s = f.awaitRun(backup, "sealed", "paused", "failed");
        assertEquals("sealed", runState(s), s::toString);
        return s;
    }

    /** The root the app announces now (begin until rooted, then end, so it holds no epoch open). */
    private static byte[] rootOf(Principal app) {
        Object info = demo.begin(app);
        demo.end(app, Candid.u64(info, "epoch"));
        return Candid.blob(info, "root");
    }

    /** The status without its cycle balance, which every call lowers. */
    private static String withoutBalance(Object status) {
        java.util.Map<org.ic4j.candid.types.Label, Object> m = new java.util.TreeMap<>(Candid.record(status));
        m.remove(org.ic4j.candid.types.Label.createNamedLabel("cycle_balance"));
        return m.toString();
    }

    /** The status without its cycle balance and its count of calls in flight. */
    private static String withoutBalanceOrCalls(Object status) {
        java.util.Map<org.ic4j.candid.types.Label, Object> m = new java.util.TreeMap<>(Candid.record(status));
        m.remove(org.ic4j.candid.types.Label.createNamedLabel("cycle_balance"));
        m.remove(org.ic4j.candid.types.Label.createNamedLabel("calls_in_flight"));
        return m.toString();
    }

    private static String text(Principal p) {
        return IcClient.ic4j(p).toString();
    }

    private static void assertRejected(String prefix, Runnable call) {
        Rejected r = assertThrows(Rejected.class, call::run);
        assertTrue(r.getMessage().contains(prefix), () -> "expected " + prefix + ", reject was: " + r.getMessage());
    }

    @Test
    void afterSetSourceTheNextSyncPullsTheNewAppInFullThenIncrementallyAndEveryGenerationStays() {
        Principal first = app(2, 1);
        Principal backup = f.backup(2, first, 4);
        demo.allow(first, backup);
        f.sync(backup);
        sealed(backup);
        demo.mutate(first, 50_000, 2);
        f.sync(backup);
        assertTrue((Boolean) Candid.field(run(sealed(backup)), "incremental"));

        Principal second = app(2, 3);
        demo.allow(second, backup);
        Object changed = f.setSource(backup, second);
        assertEquals(text(second), Candid.principalText(changed, "source"));
        assertEquals(2, Candid.u64(changed, "generations"));
        assertEquals(withoutBalance(changed), withoutBalance(f.setSource(backup, second)),
                "setting the same source again changes nothing");

        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", Candid.EMPTY);
        assertEquals(text(second), Candid.principalText(f.status(backup), "source"), "the new source survives an upgrade");

        f.sync(backup);
        Object full = run(sealed(backup));
        assertFalse((Boolean) Candid.field(full, "incremental"), "no generation of the new source exists to build on");
        assertEquals(0, Candid.u64(full, "chunks_reused"));
        assertEquals(Candid.u64(full, "chunks_total"), Candid.u64(full, "chunks_fetched"));
        Object[] gens = f.generations(backup);
        assertEquals(3, gens.length, "the old source's generations are still listed");
        assertArrayEquals(rootOf(second), Candid.blob(gens[2], "root"));
        assertEquals(text(first), Candid.principalText(gens[0], "source"));
        assertEquals(text(first), Candid.principalText(gens[1], "source"));
        assertEquals(text(second), Candid.principalText(gens[2], "source"));

        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", Candid.EMPTY);
        demo.mutate(second, 50_000, 4);
        f.sync(backup);
        Object incremental = run(sealed(backup));
        assertTrue((Boolean) Candid.field(incremental, "incremental"), "runs build on the new source's generation");
        assertTrue(Candid.u64(incremental, "chunks_fetched") < Candid.u64(incremental, "chunks_total") / 4, incremental::toString);
        gens = f.generations(backup);
        assertEquals(4, gens.length);
        assertArrayEquals(rootOf(second), Candid.blob(gens[3], "root"));
        for (Object g : gens) {
            assertTrue((Boolean) Candid.field(f.verify(backup, Candid.u64(g, "id")), "ok"), g::toString);
        }
    }

    @Test
    void setSourceIsRefusedWhileARunIsActiveAndNothingChanges() {
        // big enough that one reader is still pulling when the halt lands, on a loaded machine too
        // (at 2 MiB the run once sealed between the wait and the halt)
        Principal first = app(8, 5);
        Principal second = app(1, 6);
        Principal backup = f.backup(2, first, 1);
        demo.allow(first, backup);
        f.sync(backup);
        f.awaitStatus(backup, Duration.ofSeconds(60), st -> runState(st).equals("pulling") && Candid.u64(run(st), "chunks_done") > 0);
        net.control().halt(1); // the run stays in pulling until the source's subnet resumes
        Object before = f.status(backup);
        long runId = Candid.u64(run(before), "id");
        assertRejected("RUN_IN_PROGRESS: run " + runId + " is pulling", () -> f.setSource(backup, second));
        Object after = f.status(backup);
        assertEquals(text(first), Candid.principalText(after, "source"));
        assertEquals(runId, Candid.u64(run(after), "id"));
        assertEquals("pulling", runState(after));
        net.control().resume(1);
        sealed(backup);
        assertArrayEquals(rootOf(first), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void aRunStuckOnAHaltedSourceIsAbandonedTheNewSourceSealsAndTheRunsLateRepliesChangeNothing() {
        Principal first = app(4, 12);
        Principal second = demo.deploy(0, SMALL_CHUNK);
        demo.fill(second, 1, 13);
        Principal backup = f.backup(2, first, 4);
        demo.allow(first, backup);
        demo.allow(second, backup);
        f.sync(backup);
        f.awaitStatus(backup, Duration.ofSeconds(60), st -> runState(st).equals("pulling") && Candid.u64(run(st), "chunks_done") > 0);
        net.control().halt(1); // the reads in flight get no reply until subnet 1 resumes
        long runId = Candid.u64(run(f.status(backup)), "id");
        assertRejected("RUN_IN_PROGRESS: run " + runId + " is pulling", () -> f.setSource(backup, second));

        Object abandoned = f.setSource(backup, second, true);
        assertEquals(text(second), Candid.principalText(abandoned, "source"));
        assertEquals("failed", runState(abandoned));
        assertEquals("ABANDONED: run " + runId + " was pulling from " + text(first) + " when the source changed to "
                + text(second), Candid.text(run(abandoned), "error"));
        assertEquals(0, Candid.u64(abandoned, "chunks_stored"), "the abandoned run's chunks were released");
        assertEquals(0, Candid.u64(abandoned, "bytes_stored"));
        long stuck = Candid.u64(abandoned, "calls_in_flight");
        assertTrue(stuck > 0, "the abandoned run's reads are still out: " + abandoned);
        assertEquals(withoutBalance(abandoned), withoutBalance(f.setSource(backup, second, true)),
                "asking again changes nothing and abandons nothing");

        f.sync(backup);
        Object s = sealed(backup);
        assertEquals(runId + 1, Candid.u64(run(s), "id"));
        assertFalse((Boolean) Candid.field(run(s), "incremental"));
        assertEquals(stuck, Candid.u64(s, "calls_in_flight"),
                "the new run sealed while the abandoned run's reads were still out, holding none of its slots");
        Object[] gens = f.generations(backup);
        assertEquals(1, gens.length);
        byte[] root = rootOf(second);
        assertArrayEquals(root, Candid.blob(gens[0], "root"));
        assertEquals(text(second), Candid.principalText(gens[0], "source"));

        net.control().resume(1); // the late replies of the abandoned run arrive now
        Object late = f.awaitStatus(backup, Duration.ofSeconds(120), st -> Candid.u64(st, "calls_in_flight") == 0);
        assertEquals(withoutBalanceOrCalls(s), withoutBalanceOrCalls(late), "the late replies changed nothing else");
        assertEquals(1, f.generations(backup).length);
        assertArrayEquals(root, Candid.blob(f.generations(backup)[0], "root"));
        assertTrue((Boolean) Candid.field(f.verify(backup, Candid.u64(gens[0], "id")), "ok"));

        demo.mutate(second, 50_000, 14);
        f.sync(backup);
        Object next = run(sealed(backup));
        assertTrue((Boolean) Candid.field(next, "incremental"), "runs go on from the new source's generation");
        assertArrayEquals(rootOf(second), Candid.blob(f.generations(backup)[1], "root"));
        assertTrue((Boolean) Candid.field(f.verify(backup, Candid.u64(f.generations(backup)[1], "id")), "ok"));
    }

    @Test
    void abandoningIsRefusedWhileARestoreIsActiveOrWithMalformedOptionsAndNothingChanges() {
        Principal first = app(1, 15);
        Principal backup = f.backup(2, first, 2);
        demo.allow(first, backup);
        f.sync(backup);
        sealed(backup);
        Principal target = demo.deploy(0, SMALL_CHUNK);
        demo.allow(target, backup);
        net.control().halt(0); // the restore cannot reach its target
        net.control().halt(1); // the next run cannot reach its source
        ic.update(backup, "restore_to", Candid.rec().principal("target", target).nat64("generation", 1).bytes());
        f.sync(backup);
        Object before = f.status(backup);
        long runId = Candid.u64(run(before), "id");
        assertEquals("beginning", runState(before));

        assertRejected("RESTORE_IN_PROGRESS: generation 1 is being restored into " + text(target),
                () -> f.setSource(backup, target, true));
        assertRejected("BAD_ARGUMENT: set_source's second argument must be opt record { abandon_run : opt bool }, found nat64",
                () -> ic.update(backup, "set_source", org.ic4j.candid.parser.IDLArgs.create(List.of(
                        org.ic4j.candid.parser.IDLValue.create(IcClient.ic4j(target), org.ic4j.candid.types.Type.PRINCIPAL),
                        org.ic4j.candid.parser.IDLValue.create(7L, org.ic4j.candid.types.Type.NAT64))).toBytes()));
        try (IcClient stranger = IcClient.forNet(net)) {
            Rejected e = assertThrows(Rejected.class, () -> stranger.update(backup, "set_source", BackupFixture.setSourceArgs(target, true)));
            assertTrue(e.getMessage().contains("NOT_ALLOWED: " + text(stranger.principal())), e.getMessage());
        }
        Object after = f.status(backup);
        assertEquals(text(first), Candid.principalText(after, "source"));
        assertEquals(runId, Candid.u64(run(after), "id"));
        assertEquals("beginning", runState(after), "the run was not abandoned");

        net.control().resume(0);
        net.control().resume(1);
        sealed(backup);
        assertEquals(2, f.generations(backup).length);
    }

    @Test
    void setSourceIsRefusedWhileARestoreIsActive() {
        Principal first = app(1, 7);
        Principal backup = f.backup(2, first, 2);
        demo.allow(first, backup);
        f.sync(backup);
        sealed(backup);
        Principal target = demo.deploy(0, SMALL_CHUNK);
        demo.allow(target, backup);
        net.control().halt(0); // the restore cannot reach its target until subnet 0 resumes
        ic.update(backup, "restore_to", Candid.rec().principal("target", target).nat64("generation", 1).bytes());
        assertRejected("RESTORE_IN_PROGRESS: generation 1 is being restored into " + text(target),
                () -> f.setSource(backup, target));
        assertEquals(text(first), Candid.principalText(f.status(backup), "source"));
        net.control().resume(0);
        Object s = f.awaitStatus(backup, Duration.ofSeconds(120), st -> {
            Object r = Candid.field(st, "restore");
            return r != null && List.of("committed", "failed").contains(Candid.text(r, "state"));
        });
        assertEquals("committed", Candid.text(Candid.field(s, "restore"), "state"), s::toString);
        assertEquals(text(target), Candid.principalText(f.setSource(backup, target), "source"),
                "once the restore committed, the restored app can become the source");
    }

    @Test
    void aPausedRunIsDiscardedWithItsChunksWhenTheSourceChanges() {
        Principal first = app(2, 8);
        Principal second = app(1, 9);
        Principal backup = f.backup(2, BackupFixture.initArg(first, List.of(), 1, 3_000_000_000L));
        demo.allow(first, backup);
        demo.allow(second, backup);
        f.sync(backup);
        Object paused = f.awaitRun(backup, "paused", "failed", "sealed");
        assertEquals("paused", runState(paused), paused::toString);
        assertTrue(Candid.u64(paused, "chunks_stored") > 0, paused::toString);
        Object changed = f.setSource(backup, second);
        assertNull(run(changed), "the paused run of the old source is gone");
        assertEquals(0, Candid.u64(changed, "chunks_stored"), "its chunks were released");
        assertEquals(0, Candid.u64(changed, "bytes_stored"));
        ic.install(backup, BackupFixture.BACKUP_WASM, "upgrade", BackupFixture.initArg(second, List.of(), 4, null));
        f.sync(backup);
        sealed(backup);
        assertArrayEquals(rootOf(second), Candid.blob(f.generations(backup)[0], "root"));
    }

    @Test
    void foreignCallersAndMalformedArgumentsAreRefusedAndNothingChanges() {
        Principal first = app(1, 10);
        Principal second = app(1, 11);
        Principal backup = f.backup(2, first, 2);
        try (IcClient stranger = IcClient.forNet(net)) {
            Rejected e = assertThrows(Rejected.class, () -> stranger.update(backup, "set_source", Candid.principal(second)));
            assertTrue(e.getMessage().contains("NOT_ALLOWED: " + text(stranger.principal())
                    + " is neither a controller nor a coordinator"), e.getMessage());
        }
        assertRejected("BAD_ARGUMENT: an argument is required", () -> ic.update(backup, "set_source", Candid.EMPTY));
        assertRejected("BAD_ARGUMENT: expected a principal, found nat64", () -> ic.update(backup, "set_source", Candid.nat64(7)));
        assertRejected("BAD_ARGUMENT: malformed Candid", () -> ic.update(backup, "set_source", new byte[] {1, 2, 3}));
        assertRejected("BAD_ARGUMENT: a backup canister cannot be its own source", () -> f.setSource(backup, backup));
        assertRejected("BAD_ARGUMENT: the management canister cannot be a source",
                () -> f.setSource(backup, Principal.managementCanister()));
        assertEquals(text(first), Candid.principalText(f.status(backup), "source"));
    }
}
