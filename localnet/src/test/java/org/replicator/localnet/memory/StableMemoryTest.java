package org.replicator.localnet.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Stable memory: 64-bit, paged in three layers, sparse, transactional per message. */
class StableMemoryTest {
    private final InMemoryPageStore store = new InMemoryPageStore();

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(StableMemory m, long offset, int length) {
        byte[] out = new byte[length];
        m.read(offset, out, 0, length);
        return out;
    }

    @Test
    void writesAndReadsAcrossPageBoundaries() {
        StableMemory m = new StableMemory(store, 1);
        byte[] data = random(3 * PageStore.PAGE_SIZE, 2);
        m.beginMessage();
        m.write(PageStore.PAGE_SIZE - 7, data, 0, data.length);
        m.commitMessage();
        assertArrayEquals(data, read(m, PageStore.PAGE_SIZE - 7, data.length));
        assertEquals(4, m.unflushedPageCount(), "the write touched four 4 KiB pages");
    }

    @Test
    void pagesNeverWrittenReadAsZerosAndAreNotStored() {
        StableMemory m = new StableMemory(store, 100);
        assertArrayEquals(new byte[10_000], read(m, 3_000_000, 10_000));
        m.beginMessage();
        m.write(5, new byte[] {1}, 0, 1);
        m.commitMessage();
        m.flush();
        assertEquals(1, store.pageCount());
    }

    @Test
    void rollbackForgetsTheMessagesWritesAndGrowthButKeepsCommittedOnes() {
        StableMemory m = new StableMemory(store, 1);
        m.beginMessage();
        m.write(0, new byte[] {1, 2, 3}, 0, 3);
        m.commitMessage();
        m.flush();

        m.beginMessage();
        assertEquals(1, m.grow(2));
        m.write(1, new byte[] {9, 9}, 0, 2);
        m.write(2 * StableMemory.WASM_PAGE, new byte[] {7}, 0, 1);
        m.rollbackMessage();

        assertEquals(1, m.sizePages());
        assertArrayEquals(new byte[] {1, 2, 3}, read(m, 0, 3));
        assertEquals(0, m.unflushedPageCount());
    }

    @Test
    void readsSeeTheMessageThenTheUnflushedThenTheStoredLayer() {
        StableMemory m = new StableMemory(store, 1);
        m.beginMessage();
        m.write(0, new byte[] {1, 1, 1}, 0, 3);
        m.commitMessage();
        m.flush();
        m.beginMessage();
        m.write(1, new byte[] {2, 2}, 0, 2);
        m.commitMessage();
        m.beginMessage();
        m.write(2, new byte[] {3}, 0, 1);
        assertArrayEquals(new byte[] {1, 2, 3}, read(m, 0, 3));
        m.rollbackMessage();
        assertArrayEquals(new byte[] {1, 2, 2}, read(m, 0, 3));
        assertArrayEquals(new byte[] {1, 1, 1}, java.util.Arrays.copyOf(store.read(0), 3), "not flushed yet");
        List<Long> unflushed = new ArrayList<>();
        m.forEachUnflushedPage((index, page) -> unflushed.add(index));
        assertEquals(List.of(0L), unflushed);
    }

    @Test
    void offsetsBeyondFourGibibytesWorkWithoutAllocatingWhatLiesBelow() {
        long eightGiB = 8L << 30;
        StableMemory m = new StableMemory(store, eightGiB / StableMemory.WASM_PAGE + 1);
        long offset = eightGiB + 12_345;
        m.beginMessage();
        m.write(offset, new byte[] {4, 5, 6}, 0, 3);
        m.commitMessage();
        m.flush();
        assertArrayEquals(new byte[] {4, 5, 6}, read(m, offset, 3));
        assertEquals(1, store.pageCount(), "one 4 KiB page stored for an 8 GiB memory");
    }

    @Test
    void accessesOutsideTheCurrentSizeAreRefused() {
        StableMemory m = new StableMemory(store, 1);
        assertThrows(StableMemoryOutOfBoundsException.class, () -> read(m, StableMemory.WASM_PAGE - 1, 2));
        assertThrows(StableMemoryOutOfBoundsException.class, () -> read(m, Long.MAX_VALUE, 1));
        assertThrows(StableMemoryOutOfBoundsException.class, () -> read(m, -1, 1));
    }

    @Test
    void growthStopsAtTheMaximumAndReportsTheOldSize() {
        StableMemory m = new StableMemory(store, 0, 10);
        assertEquals(0, m.grow(4));
        assertEquals(4, m.grow(6));
        assertEquals(-1, m.grow(1));
        assertEquals(10, m.sizePages());
    }

    @Test
    void copiesBetweenTheWasmHeapAndStableMemoryDirectly() {
        WasmHeap heap = new WasmHeap(new MemoryLimits(1, 1));
        byte[] data = random(6000, 3);
        heap.write(100, data);
        StableMemory m = new StableMemory(store, 1);
        m.beginMessage();
        m.write(4000, heap, 100, data.length);
        m.read(4000, heap, 20_000, data.length);
        m.commitMessage();
        assertArrayEquals(data, heap.readBytes(20_000, data.length));
        assertArrayEquals(data, read(m, 4000, data.length));
    }
}
