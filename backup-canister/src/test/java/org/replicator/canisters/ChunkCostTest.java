package org.replicator.canisters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.canisters.DemoApp.MIB;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/**
 * The chunk size's reasons, measured in instructions: hashing and serving a chunk fit one message
 * many times over, and a large image's hashing spreads over several begins without losing work.
 */
class ChunkCostTest {
    private static final long UPDATE_LIMIT = 40_000_000_000L;

    private static LocalNet net;
    private static IcClient ic;

    @BeforeAll
    static void start() {
        net = LocalNet.start(LocalNetConfig.defaults());
        ic = IcClient.forNet(net);
    }

    @AfterAll
    static void stop() {
        ic.close();
        net.close();
    }

    private static long instructions(Principal canister) {
        return net.control().canister(canister).orElseThrow().instructionsExecuted();
    }

    @Test
    void hashingAndReadingADefaultChunkUseAFractionOfOneMessagesBudget() {
        DemoApp app = DemoApp.deploy(ic, 1);
        app.generate(8, 21);
        long before = instructions(app.id);
        DemoApp.Image image = app.begin();
        long perMiBHashed = (instructions(app.id) - before) / (image.size() / MIB);
        before = instructions(app.id);
        DemoApp.Chunk chunk = app.read(image.epoch(), 0);
        long perRead = instructions(app.id) - before;
        System.out.printf("begin: %d instructions per MiB hashed; read of a %d-byte chunk: %d instructions%n",
                perMiBHashed, chunk.bytes().length, perRead);
        assertEquals(MIB, chunk.bytes().length);
        assertTrue(perMiBHashed < UPDATE_LIMIT / 200, "hashing a chunk costs under 0.5 % of an update: " + perMiBHashed);
        assertTrue(perRead < UPDATE_LIMIT / 1000, "serving a chunk costs under 0.1 % of an update: " + perRead);
    }

    @Test
    void aBeginOutOfBudgetRepliesWithoutRootAndTheNextBeginsFinishTheHashing() {
        DemoApp app = DemoApp.deploy(ic, 1, "hash_budget_instructions", 1L);
        app.generate(3, 22);
        DemoApp.Image first = app.begin();
        assertTrue(first.root().isEmpty());
        assertEquals(1, first.hashed(), "each begin hashes at least one chunk");
        int begins = 1;
        DemoApp.Image image = first;
        while (image.root().isEmpty()) {
            image = app.begin();
            begins++;
            assertEquals(first.epoch(), image.epoch());
        }
        assertEquals(image.chunkCount(), begins);
        assertArrayEquals(DemoApp.root(app.readAll(image), image.chunkSize()), image.root().orElseThrow());
    }
}
