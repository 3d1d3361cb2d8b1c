package org.replicator.canisters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.canisters.DemoApp.MIB;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.types.Label;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;

/** The replication library in the demo app, driven over HTTP through ic4j-agent. */
class ReplicationLibraryTest {
    private static final long SMALL_CHUNK = 64 * 1024;

    private static LocalNet net;
    private static IcClient ic;
    private static IcClient stranger;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
        stranger = IcClient.forNet(net);
    }

    @AfterAll
    static void stop() {
        stranger.close();
        ic.close();
        net.close();
    }

    private static void assertRejected(String expectedMessageStart, Runnable call) {
        Rejected r = assertThrows(Rejected.class, call::run);
        assertTrue(r.getMessage().startsWith(expectedMessageStart), () -> "reject was: " + r.getMessage());
    }

    @Test
    void everyChunkMatchesItsHashAndTheImageMatchesTheRootComputedInJava() {
        DemoApp app = DemoApp.deploy(ic, 1);
        long data = app.generate(5, 1);
        DemoApp.Image image = app.beginUntilRooted();
        assertEquals(1 << 20, image.chunkSize(), "the default chunk size");
        assertTrue(image.size() >= data);
        assertEquals((image.size() + MIB - 1) / MIB, image.chunkCount());
        byte[] bytes = app.readAll(image);
        assertEquals(image.size(), bytes.length);
        assertArrayEquals(DemoApp.root(bytes, image.chunkSize()), image.root().orElseThrow());
        app.end(image.epoch());
    }

    @Test
    void writesAfterBeginDoNotEnterTheImage() {
        DemoApp app = DemoApp.deploy(ic, 1, "chunk_size", SMALL_CHUNK);
        app.generate(2, 2);
        byte[] before = app.checksum();
        DemoApp.Image image = app.beginUntilRooted();
        app.mutate(MIB, 3);
        app.createPost(0, "written after begin", new byte[100_000]);
        assertNotEquals(Arrays.toString(before), Arrays.toString(app.checksum()));
        byte[] frozen = app.readAll(image);
        assertArrayEquals(image.root().orElseThrow(), DemoApp.root(frozen, SMALL_CHUNK));

        DemoApp fresh = DemoApp.deploy(ic, 2, "chunk_size", SMALL_CHUNK);
        fresh.restore(frozen, SMALL_CHUNK, image.root().orElseThrow());
        assertArrayEquals(before, fresh.checksum(), "the image holds the state at begin");
    }

    @Test
    void restoringAnImageIntoAFreshCanisterOnAnotherSubnetGivesTheSameChecksum() {
        DemoApp source = DemoApp.deploy(ic, 1);
        source.generate(3, 4);
        DemoApp.Image image = source.beginUntilRooted();
        byte[] bytes = source.readAll(image);
        source.end(image.epoch());

        DemoApp target = DemoApp.deploy(ic, 2);
        target.restore(bytes, image.chunkSize(), image.root().orElseThrow());
        assertArrayEquals(source.checksum(), target.checksum());
        assertEquals(source.stats(), target.stats());
        DemoApp.Image copy = target.beginUntilRooted();
        assertArrayEquals(image.root().orElseThrow(), copy.root().orElseThrow(), "the restored canister serves the same image");
        target.createPost(0, "the restored app keeps working", new byte[10]);
    }

    @Test
    void changesSinceAnEpochAreExactlyTheChunksThatDiffer() {
        DemoApp app = DemoApp.deploy(ic, 1, "chunk_size", SMALL_CHUNK);
        app.generate(4, 5);
        DemoApp.Image first = app.beginUntilRooted();
        byte[] old = app.readAll(first);
        app.end(first.epoch());

        app.mutate(40_000, 6);
        DemoApp.Image second = app.beginUntilRooted();
        List<Long> changed = app.changes(second.epoch(), first.epoch());
        assertFalse(changed.isEmpty());
        assertTrue(changed.size() <= 4, "40 KB of contiguous writes touch few 64 KiB chunks: " + changed);

        byte[] rebuilt = Arrays.copyOf(old, (int) second.size());
        for (long i : changed) {
            DemoApp.Chunk c = app.read(second.epoch(), i);
            System.arraycopy(c.bytes(), 0, rebuilt, (int) (i * SMALL_CHUNK), c.bytes().length);
        }
        assertArrayEquals(second.root().orElseThrow(), DemoApp.root(rebuilt, SMALL_CHUNK),
                "the old image plus the changed chunks is the new image");
    }

    @Test
    void afterOnePercentOfTheDataChangedTheChangedChunksAreAtMostTwoPercentOfTheImage() {
        DemoApp app = DemoApp.deploy(ic, 1, "chunk_size", SMALL_CHUNK);
        app.generate(32, 12);
        DemoApp.Image first = app.beginUntilRooted();
        app.end(first.epoch());
        app.mutate(first.size() / 100, 13);
        DemoApp.Image second = app.beginUntilRooted();
        long changedBytes = app.changes(second.epoch(), first.epoch()).size() * SMALL_CHUNK;
        assertTrue(changedBytes <= second.size() / 50, changedBytes + " of " + second.size() + " bytes changed");
    }

    @Test
    void aSerializedAppFreezesBySavingRestoresAndSurvivesAnUpgrade() {
        DemoApp app = DemoApp.deploy(ic, 1, "style", "serialized", "chunk_size", SMALL_CHUNK);
        app.generate(2, 14);
        byte[] before = app.checksum();
        DemoApp.Image image = app.beginUntilRooted();
        app.mutate(200_000, 15);
        app.createUser("after begin");
        byte[] frozen = app.readAll(image);
        assertArrayEquals(image.root().orElseThrow(), DemoApp.root(frozen, SMALL_CHUNK));
        app.end(image.epoch());

        DemoApp copy = DemoApp.deploy(ic, 2, "style", "serialized", "chunk_size", SMALL_CHUNK);
        copy.restore(frozen, SMALL_CHUNK, image.root().orElseThrow());
        assertArrayEquals(before, copy.checksum());

        byte[] now = app.checksum();
        ic.install(app.id, CanisterWasm.demoApp().bytes(), "upgrade", DemoApp.initArg());
        assertArrayEquals(now, app.checksum(), "the upgrade saved and loaded the heap state");
        DemoApp.Image next = app.beginUntilRooted();
        assertTrue(app.changes(next.epoch(), image.epoch()).size() < next.chunkCount() / 4,
                "a serialized image rewrites only the chunks whose bytes changed");
    }

    @Test
    void aSecondBeginWhileAnEpochIsOpenReturnsTheSameEpoch() {
        DemoApp app = DemoApp.deploy(ic, 1);
        app.generate(1, 7);
        DemoApp.Image a = app.beginUntilRooted();
        app.createUser("late");
        DemoApp.Image b = app.beginUntilRooted();
        assertEquals(a.epoch(), b.epoch());
        assertArrayEquals(a.root().orElseThrow(), b.root().orElseThrow());
    }

    @Test
    void unknownEndedAndOutOfRangeReadsAreRejectedClearly() {
        DemoApp app = DemoApp.deploy(ic, 1);
        app.generate(1, 8);
        assertRejected("UNKNOWN_EPOCH: epoch 1 was never issued by this canister", () -> app.read(1, 0));
        DemoApp.Image image = app.beginUntilRooted();
        assertRejected("INDEX_OUT_OF_RANGE: chunk " + image.chunkCount() + " does not exist; epoch 1 has "
                + image.chunkCount() + " chunks", () -> app.read(image.epoch(), image.chunkCount()));
        assertRejected("UNKNOWN_EPOCH: epoch 2 was never issued", () -> app.read(2, 0));
        app.end(image.epoch());
        assertRejected("EPOCH_ENDED: epoch 1 has ended; begin a new one", () -> app.read(image.epoch(), 0));
        DemoApp.Image next = app.beginUntilRooted();
        assertEquals(2, next.epoch());
        assertRejected("EPOCH_ENDED: epoch 1 has ended", () -> app.read(image.epoch(), 0));
    }

    @Test
    void callersOffTheAllowListAreRejectedUntilAControllerAllowsThem() {
        DemoApp app = DemoApp.deploy(ic, 1);
        DemoApp foreign = app.as(stranger);
        String who = IcClient.ic4j(stranger.principal()).toString();
        assertRejected("NOT_ALLOWED: caller " + who + " is not on the replication allow-list of this canister", foreign::begin);
        assertRejected("NOT_ALLOWED: caller " + who, () -> foreign.restoreBegin(0, SMALL_CHUNK, new byte[32]));
        assertRejected("NOT_ALLOWED: caller " + who + " is not a controller", () -> foreign.allow(stranger.principal()));
        app.allow(stranger.principal());
        assertEquals(1, foreign.beginUntilRooted().epoch());
        Map<Label, Object> status = app.update("replication_status", DemoApp.none());
        Object[] allowed = (Object[]) DemoApp.field(status, "allowed");
        assertEquals(1, allowed.length);
        assertEquals(who, allowed[0].toString());
        assertEquals("stable", DemoApp.field(status, "style"));
    }

    @Test
    void malformedCandidIsRejectedWithTheDecodersReason() {
        DemoApp app = DemoApp.deploy(ic, 1);
        assertRejected("BAD_ARGUMENT: not a Candid message", () -> ic.update(app.id, "replication_read", new byte[] {1, 2, 3}));
        assertRejected("BAD_ARGUMENT: missing record field 'index'",
                () -> ic.update(app.id, "replication_read", DemoApp.args("epoch", 1L, CandidVectors.NAT64)));
        assertRejected("BAD_ARGUMENT: field 'root' must be a 32-byte hash", () -> app.restoreBegin(10, SMALL_CHUNK, new byte[5]));
    }

    @Test
    void aRestoreWhoseRootDoesNotMatchLeavesTheCanisterUntouched() {
        DemoApp source = DemoApp.deploy(ic, 1, "chunk_size", SMALL_CHUNK);
        source.generate(1, 10);
        DemoApp.Image image = source.beginUntilRooted();
        byte[] bytes = source.readAll(image);
        byte[] root = image.root().orElseThrow();

        DemoApp target = DemoApp.deploy(ic, 2, "chunk_size", SMALL_CHUNK);
        target.createUser("already here");
        byte[] before = target.checksum();

        byte[] tampered = bytes.clone();
        tampered[tampered.length / 2] ^= 1;
        Rejected r = assertThrows(Rejected.class, () -> target.restore(tampered, SMALL_CHUNK, root));
        assertTrue(r.getMessage().startsWith("ROOT_MISMATCH: the written chunks give root "), r.getMessage());
        assertArrayEquals(before, target.checksum());

        long restore = target.restoreBegin(bytes.length, SMALL_CHUNK, root);
        assertRejected("RESTORE_IN_PROGRESS: restore 2 is staged", () -> target.createUser("during restore"));
        assertRejected("RESTORE_INCOMPLETE: 0 of ", () -> target.restoreCommit(restore, root));
        byte[] otherRoot = root.clone();
        otherRoot[0] ^= 1;
        assertRejected("ROOT_MISMATCH: restore_commit root ", () -> target.restoreCommit(restore, otherRoot));
        assertRejected("BAD_CHUNK: chunk 0 has 3 bytes; the image's chunk 0 has 65536", () -> target.restoreWrite(restore, 0, new byte[3]));
        assertRejected("UNKNOWN_RESTORE: restore 1 is not staged (staged: 2)", () -> target.restoreWrite(1, 0, new byte[3]));
        assertArrayEquals(before, target.checksum());
    }

    @Test
    void anUpgradeKeepsTheDataAndEndsOpenEpochs() {
        DemoApp app = DemoApp.deploy(ic, 1);
        app.generate(2, 11);
        byte[] before = app.checksum();
        DemoApp.Image image = app.beginUntilRooted();
        ic.install(app.id, CanisterWasm.demoApp().bytes(), "upgrade", DemoApp.initArg());
        assertArrayEquals(before, app.checksum());
        assertRejected("EPOCH_ENDED: epoch 1 has ended", () -> app.read(image.epoch(), 0));
        DemoApp.Image after = app.beginUntilRooted();
        assertEquals(2, after.epoch(), "epoch numbers are never reused");
        assertArrayEquals(image.root().orElseThrow(), after.root().orElseThrow());
        assertEquals(List.of(), app.changes(after.epoch(), image.epoch()));
    }

    private static boolean fenced(DemoApp app) {
        return (Boolean) DemoApp.field(app.replicationStatus(), "fenced");
    }

    /** Every writing update of the demo app, each with a valid argument. */
    private static List<Runnable> everyWrite(DemoApp app, long post, int pictureSize) {
        return List.of(
                () -> app.createUser("while fenced"),
                () -> app.createPost(0, "while fenced", new byte[10]),
                () -> app.update("follow", DemoApp.args("follower", 0L, CandidVectors.NAT64, "followee", 1L, CandidVectors.NAT64)),
                () -> app.update("replace_picture", DemoApp.args("post", post, CandidVectors.NAT64,
                        "picture", new byte[pictureSize], CandidVectors.BLOB)),
                () -> app.generate(2, 30),
                () -> app.mutate(100_000, 31));
    }

    @Test
    void aFencedAppRejectsEveryWriteWithFencedWhileQueriesAndReplicationReadsKeepWorking() {
        DemoApp app = DemoApp.deploy(ic, 1, "chunk_size", SMALL_CHUNK);
        app.generate(1, 20);
        app.createUser("second");
        long post = app.createPost(0, "with a picture", new byte[70_000]);
        DemoApp.Image before = app.beginUntilRooted();
        app.end(before.epoch());
        byte[] checksum = app.checksum();
        assertFalse(fenced(app));

        Map<Label, Object> status = app.fence(true, Optional.of("replica r-2 was promoted"));
        assertEquals(true, DemoApp.field(status, "fenced"));
        assertEquals(Optional.of("replica r-2 was promoted"), DemoApp.field(status, "fence_reason"));
        for (Runnable write : everyWrite(app, post, 70_000)) {
            assertRejected("FENCED: replica r-2 was promoted", write);
        }
        assertArrayEquals(checksum, app.checksum(), "no refused write changed the state");
        assertEquals(2L, DemoApp.nat64(app.stats(), "users"));
        Optional<?> picture = (Optional<?>) org.ic4j.candid.parser.IDLArgs.fromBytes(
                ic.query(app.id, "get_picture", DemoApp.args("post", post, CandidVectors.NAT64))).getArgs().get(0).getValue();
        assertTrue(picture.isPresent(), "queries keep answering while fenced");

        DemoApp.Image fencedImage = app.beginUntilRooted();
        assertArrayEquals(before.root().orElseThrow(), fencedImage.root().orElseThrow(), "the image did not change");
        assertEquals(List.of(), app.changes(fencedImage.epoch(), before.epoch()));
        byte[] bytes = app.readAll(fencedImage);
        assertArrayEquals(fencedImage.root().orElseThrow(), DemoApp.root(bytes, SMALL_CHUNK));
        app.end(fencedImage.epoch());

        app.fence(true, Optional.empty());
        assertRejected("FENCED: this canister is not the primary", () -> app.createUser("still fenced"));

        Map<Label, Object> unfenced = app.fence(false, Optional.empty());
        assertEquals(false, DemoApp.field(unfenced, "fenced"));
        assertEquals(Optional.empty(), DemoApp.field(unfenced, "fence_reason"));
        for (Runnable write : everyWrite(app, post, 70_000)) {
            write.run();
        }
        assertNotEquals(Arrays.toString(checksum), Arrays.toString(app.checksum()), "writes are taken again");
    }

    @Test
    void onlyControllersFenceNotEvenAllowListedReplicasAndABadFenceChangesNothing() {
        DemoApp app = DemoApp.deploy(ic, 1);
        app.allow(stranger.principal());
        DemoApp foreign = app.as(stranger);
        String who = IcClient.ic4j(stranger.principal()).toString();
        assertRejected("NOT_ALLOWED: caller " + who + " is not a controller of this canister",
                () -> foreign.fence(true, Optional.empty()));
        assertFalse(fenced(app));
        assertRejected("BAD_ARGUMENT: fenced: missing record field 'fenced'",
                () -> app.update("replication_fence", DemoApp.args("reason", "no flag", CandidVectors.TEXT)));
        assertRejected("BAD_ARGUMENT: not a Candid message", () -> ic.update(app.id, "replication_fence", new byte[] {1, 2, 3}));
        assertRejected("BAD_ARGUMENT: reason has 1025 bytes; at most 1024 are kept",
                () -> app.fence(true, Optional.of("x".repeat(1025))));
        assertFalse(fenced(app));
        app.createUser("never fenced");
    }

    @Test
    void theFenceSurvivesAnUpgradeInBothStyles() {
        for (String style : List.of("stable", "serialized")) {
            DemoApp app = DemoApp.deploy(ic, 1, "style", style);
            app.createUser("before");
            app.fence(true, Optional.of("failback in progress"));
            byte[] checksum = app.checksum();
            ic.install(app.id, CanisterWasm.demoApp().bytes(), "upgrade", DemoApp.initArg());
            assertTrue(fenced(app), style);
            assertRejected("FENCED: failback in progress", () -> app.createUser("after upgrade"));
            assertArrayEquals(checksum, app.checksum(), style);
            app.fence(false, Optional.empty());
            ic.install(app.id, CanisterWasm.demoApp().bytes(), "upgrade", DemoApp.initArg());
            assertFalse(fenced(app), style);
            app.createUser("unfenced after upgrade");
        }
    }

    @Test
    void aRestoreIntoAFencedCanisterCommitsAndLeavesItFenced() {
        DemoApp source = DemoApp.deploy(ic, 1, "chunk_size", SMALL_CHUNK);
        source.generate(1, 21);
        DemoApp.Image image = source.beginUntilRooted();
        byte[] bytes = source.readAll(image);
        source.end(image.epoch());

        DemoApp target = DemoApp.deploy(ic, 2, "chunk_size", SMALL_CHUNK);
        target.fence(true, Optional.of("interim primary"));
        target.restore(bytes, SMALL_CHUNK, image.root().orElseThrow());
        assertArrayEquals(source.checksum(), target.checksum());
        assertTrue(fenced(target), "a restore neither lifts nor replaces the fence");
        assertRejected("FENCED: interim primary", () -> target.createUser("after restore"));
        assertArrayEquals(image.root().orElseThrow(), target.beginUntilRooted().root().orElseThrow());
    }
}
