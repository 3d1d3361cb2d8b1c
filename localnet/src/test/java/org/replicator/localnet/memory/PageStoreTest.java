package org.replicator.localnet.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both page stores give back what was written, zeros for the rest, and copies rather than their own arrays. */
class PageStoreTest {
    @TempDir
    Path dir;

    private static byte[] page(long seed) {
        byte[] p = new byte[PageStore.PAGE_SIZE];
        new Random(seed).nextBytes(p);
        return p;
    }

    private static void roundTrips(PageStore store) {
        byte[] first = page(1);
        byte[] far = page(2);
        store.write(0, first);
        store.write(1_000_000, far); // 4 GB into the store
        assertArrayEquals(first, store.read(0));
        assertArrayEquals(far, store.read(1_000_000));
        assertArrayEquals(new byte[PageStore.PAGE_SIZE], store.read(7));
        assertArrayEquals(new byte[PageStore.PAGE_SIZE], store.read(2_000_000), "beyond everything written");

        byte[] copy = store.read(0);
        copy[0]++;
        assertArrayEquals(first, store.read(0), "a read is a copy");
        first[1]++;
        assertEquals((byte) (first[1] - 1), store.read(0)[1], "a write is a copy");

        store.write(0, far);
        assertArrayEquals(far, store.read(0), "a later write replaces the page");
    }

    @Test
    void inMemoryPagesRoundTrip() {
        InMemoryPageStore store = new InMemoryPageStore();
        roundTrips(store);
        assertEquals(2, store.pageCount());
    }

    @Test
    void filePagesRoundTripAndSurviveReopening() throws Exception {
        Path file = dir.resolve("stable.pages");
        try (FilePageStore store = FilePageStore.open(file)) {
            roundTrips(store);
            store.sync();
        }
        try (FilePageStore reopened = FilePageStore.open(file)) {
            assertArrayEquals(page(2), reopened.read(0));
            assertArrayEquals(page(2), reopened.read(1_000_000));
            assertArrayEquals(new byte[PageStore.PAGE_SIZE], reopened.read(5));
        }
        assertEquals((1_000_000L + 1) * PageStore.PAGE_SIZE, Files.size(file));
    }
}
