package org.replicator.localnet.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The heap undoes a trapped message exactly and knows which 4 KiB chunks changed since the last flush. */
class WasmHeapTest {
    private static List<Integer> dirtyChunks(WasmHeap heap) {
        List<Integer> chunks = new ArrayList<>();
        heap.forEachDirtyChunk((index, chunk) -> chunks.add(index));
        return chunks;
    }

    @Test
    void rollbackRestoresEveryByteAndThePageCountExactly() {
        WasmHeap heap = new WasmHeap(new MemoryLimits(2, 10));
        byte[] before = new byte[2 * Memory.PAGE_SIZE];
        new Random(1).nextBytes(before);
        heap.write(0, before);
        heap.commitMessage();

        heap.beginMessage();
        heap.writeI32(100, 0xdeadbeef);
        heap.writeLong(Memory.PAGE_SIZE - 4, -1L); // straddles two pages
        heap.fill((byte) 9, 70_000, 80_000);
        heap.copy(0, 90_000, 5000);
        assertEquals(2, heap.grow(3));
        heap.writeByte(4 * Memory.PAGE_SIZE + 1, (byte) 5);
        heap.rollbackMessage();

        assertEquals(2, heap.pages());
        assertArrayEquals(before, heap.readBytes(0, before.length));
    }

    @Test
    void committedChangesSurviveALaterRollback() {
        WasmHeap heap = new WasmHeap(new MemoryLimits(1, 4));
        heap.beginMessage();
        heap.writeI32(8, 42);
        heap.grow(1);
        heap.writeI32(Memory.PAGE_SIZE + 8, 43);
        heap.commitMessage();

        heap.beginMessage();
        heap.writeI32(8, 0);
        heap.writeI32(Memory.PAGE_SIZE + 8, 0);
        heap.rollbackMessage();
        assertEquals(42, heap.readInt(8));
        assertEquals(43, heap.readInt(Memory.PAGE_SIZE + 8));
        assertEquals(2, heap.pages());
    }

    @Test
    void pagesGrownInATrappedMessageComeBackZeroedWhenGrownAgain() {
        WasmHeap heap = new WasmHeap(new MemoryLimits(1, 4));
        heap.beginMessage();
        heap.grow(1);
        heap.writeI32(Memory.PAGE_SIZE, 7);
        heap.rollbackMessage();

        heap.beginMessage();
        assertEquals(1, heap.grow(1));
        assertEquals(0, heap.readInt(Memory.PAGE_SIZE));
        heap.commitMessage();
        heap.beginMessage();
        heap.writeI32(Memory.PAGE_SIZE, 8);
        heap.rollbackMessage();
        assertEquals(0, heap.readInt(Memory.PAGE_SIZE));
    }

    @Test
    void dirtyChunksAreTheWrittenOnesUntilCleared() {
        WasmHeap heap = new WasmHeap(new MemoryLimits(2, 2));
        heap.clearDirty();
        heap.beginMessage();
        heap.writeByte(0, (byte) 1);
        heap.writeI32(WasmHeap.CHUNK_SIZE * 5 - 2, 1); // chunks 4 and 5
        heap.write(Memory.PAGE_SIZE + 10, new byte[] {1, 2, 3}); // chunk 16
        heap.commitMessage();
        assertEquals(List.of(0, 4, 5, 16), dirtyChunks(heap));
        assertEquals(4, heap.dirtyChunkCount());

        byte[][] seen = new byte[1][];
        heap.forEachDirtyChunk((index, chunk) -> {
            if (index == 16) {
                seen[0] = chunk.clone();
            }
        });
        assertEquals(WasmHeap.CHUNK_SIZE, seen[0].length);
        assertEquals(3, seen[0][12]);

        heap.clearDirty();
        assertEquals(List.of(), dirtyChunks(heap));
        heap.beginMessage();
        heap.writeByte(0, (byte) 2);
        heap.rollbackMessage();
        assertEquals(1, heap.read(0), "the rolled-back write left the old byte");
    }

    @Test
    void growingBeyondTheMaximumIsRefusedWithMinusOneAndChangesNothing() {
        WasmHeap heap = new WasmHeap(new MemoryLimits(1, 3));
        assertEquals(1, heap.grow(2));
        assertEquals(-1, heap.grow(1));
        assertEquals(-1, heap.grow(-1));
        assertEquals(3, heap.pages());
        assertEquals(3, heap.maximumPages());
    }

    @Test
    void aPersistedHeapIsRestoredChunkByChunkWithoutBecomingDirty() {
        WasmHeap original = new WasmHeap(new MemoryLimits(1, 4));
        original.grow(1);
        original.writeLong(Memory.PAGE_SIZE + 100, 123456789L);
        original.writeI32(40, 99);
        WasmHeap restored = new WasmHeap(new MemoryLimits(1, 4));
        restored.restorePages(original.pages());
        original.forEachDirtyChunk(restored::loadChunk);

        assertEquals(2, restored.pages());
        assertEquals(123456789L, restored.readLong(Memory.PAGE_SIZE + 100));
        assertEquals(99, restored.readInt(40));
        restored.clearDirty();
        assertEquals(0, restored.dirtyChunkCount());
    }
}
