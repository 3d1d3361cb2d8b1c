package org.replicator.localnet.memory;

import static com.dylibso.chicory.runtime.ConstantEvaluators.computeConstantValue;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A canister's wasm heap as Chicory linear memory, with the two things the IC needs that plain
 * memories lack:
 * <ul>
 * <li>message transactions: the first write to each 4 KiB chunk in a message saves the chunk's
 * old content, so a trap restores the heap (and its size) exactly, at a cost proportional to what
 * the message touched;</li>
 * <li>dirty tracking: the chunks written since the last flush, so persistence writes only those.</li>
 * </ul>
 * Storage is one array per 64 KiB wasm page. Chicory addresses memory with Java ints, so a heap
 * holds at most {@link Memory#RUNTIME_MAX_PAGES} pages (2 GiB - 64 KiB) instead of the 4 GiB a
 * wasm32 module may address on the IC. One thread uses a heap at a time.
 */
public final class WasmHeap implements Memory {
    public static final int CHUNK_SIZE = 4096;
    private static final int CHUNK_SHIFT = 12;
    private static final int PAGE_SHIFT = 16;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    private static final int CHUNKS_PER_PAGE = PAGE_SIZE / CHUNK_SIZE;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private final MemoryLimits limits;
    private final int maxPages;
    private final byte[][] pages;
    private int nPages;
    private DataSegment[] dataSegments;

    /** Chunks written in the current message, and their content before the message. */
    private final long[] touched;
    private final List<Integer> undoChunks = new ArrayList<>();
    private final List<byte[]> undoBytes = new ArrayList<>();
    private int pagesAtMessageStart;

    /** Chunks written since the last {@link #clearDirty()}. */
    private final long[] dirty;

    public WasmHeap(MemoryLimits limits) {
        this.limits = limits;
        this.maxPages = Math.min(limits.maximumPages(), RUNTIME_MAX_PAGES);
        if (limits.initialPages() > maxPages) {
            throw new IllegalArgumentException("the module needs " + limits.initialPages()
                    + " initial wasm pages; at most " + maxPages + " are supported");
        }
        this.pages = new byte[maxPages][];
        int chunkWords = (maxPages * CHUNKS_PER_PAGE + 63) / 64;
        this.touched = new long[chunkWords];
        this.dirty = new long[chunkWords];
        allocate(0, limits.initialPages());
        this.nPages = limits.initialPages();
        this.pagesAtMessageStart = nPages;
    }

    private void allocate(int from, int to) {
        for (int i = from; i < to; i++) {
            pages[i] = new byte[PAGE_SIZE];
        }
    }

    // ---- transactions -------------------------------------------------------------------------

    /** Starts recording what this message changes. */
    public void beginMessage() {
        clearTouched();
        pagesAtMessageStart = nPages;
    }

    /** Keeps what the message changed. */
    public void commitMessage() {
        clearTouched();
        pagesAtMessageStart = nPages;
    }

    /** Restores the heap (content and size) to what it was at {@link #beginMessage()}. */
    public void rollbackMessage() {
        for (int i = 0; i < undoChunks.size(); i++) {
            int chunk = undoChunks.get(i);
            int page = chunk / CHUNKS_PER_PAGE;
            System.arraycopy(undoBytes.get(i), 0, pages[page], (chunk % CHUNKS_PER_PAGE) * CHUNK_SIZE, CHUNK_SIZE);
        }
        for (int page = pagesAtMessageStart; page < nPages; page++) {
            pages[page] = null;
            for (int c = page * CHUNKS_PER_PAGE; c < (page + 1) * CHUNKS_PER_PAGE; c++) {
                dirty[c >>> 6] &= ~(1L << c);
            }
        }
        nPages = pagesAtMessageStart;
        clearTouched();
    }

    private void clearTouched() {
        for (int chunk : undoChunks) {
            touched[chunk >>> 6] = 0;
        }
        // chunks of pages grown in the message were marked without an undo entry
        for (int page = pagesAtMessageStart; page < nPages; page++) {
            for (int w = (page * CHUNKS_PER_PAGE) >>> 6; w <= ((page + 1) * CHUNKS_PER_PAGE - 1) >>> 6; w++) {
                touched[w] = 0;
            }
        }
        undoChunks.clear();
        undoBytes.clear();
    }

    /** Records that [addr, addr + len) is about to change; the range is known to be in bounds. */
    private void track(int addr, int len) {
        int first = addr >>> CHUNK_SHIFT;
        int last = (addr + len - 1) >>> CHUNK_SHIFT;
        for (int chunk = first; chunk <= last; chunk++) {
            long bit = 1L << chunk;
            int word = chunk >>> 6;
            if ((touched[word] & bit) == 0) {
                touched[word] |= bit;
                dirty[word] |= bit;
                int page = chunk / CHUNKS_PER_PAGE;
                if (page < pagesAtMessageStart) {
                    undoChunks.add(chunk);
                    undoBytes.add(Arrays.copyOfRange(pages[page], (chunk % CHUNKS_PER_PAGE) * CHUNK_SIZE,
                            (chunk % CHUNKS_PER_PAGE + 1) * CHUNK_SIZE));
                }
            }
        }
    }

    // ---- persistence ----------------------------------------------------------------------

    /** Receives one 4 KiB chunk; the array is only valid during the call. */
    @FunctionalInterface
    public interface ChunkConsumer {
        void accept(int chunkIndex, byte[] chunk);
    }

    /** Every chunk written since the last {@link #clearDirty()}. */
    public void forEachDirtyChunk(ChunkConsumer consumer) {
        byte[] buf = new byte[CHUNK_SIZE];
        int limit = nPages * CHUNKS_PER_PAGE;
        for (int word = 0; word < dirty.length; word++) {
            long bits = dirty[word];
            while (bits != 0) {
                int chunk = (word << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (chunk < limit) {
                    System.arraycopy(pages[chunk / CHUNKS_PER_PAGE], (chunk % CHUNKS_PER_PAGE) * CHUNK_SIZE, buf, 0,
                            CHUNK_SIZE);
                    consumer.accept(chunk, buf);
                }
            }
        }
    }

    public int dirtyChunkCount() {
        int n = 0;
        for (long w : dirty) {
            n += Long.bitCount(w);
        }
        return n;
    }

    public void clearDirty() {
        Arrays.fill(dirty, 0);
    }

    /** Sets the size when loading a persisted heap; content is loaded with {@link #loadChunk}. */
    public void restorePages(int count) {
        if (count > maxPages) {
            throw new IllegalArgumentException("a heap of " + count + " pages exceeds the maximum " + maxPages);
        }
        for (int i = count; i < nPages; i++) {
            pages[i] = null;
        }
        for (int i = 0; i < count; i++) {
            if (pages[i] == null) {
                pages[i] = new byte[PAGE_SIZE];
            }
        }
        nPages = count;
        pagesAtMessageStart = count;
    }

    /** Loads one persisted chunk, without recording it as a change. */
    public void loadChunk(int chunkIndex, byte[] bytes) {
        System.arraycopy(bytes, 0, pages[chunkIndex / CHUNKS_PER_PAGE], (chunkIndex % CHUNKS_PER_PAGE) * CHUNK_SIZE,
                CHUNK_SIZE);
    }

    // ---- size -----------------------------------------------------------------------------------

    @Override
    public int pages() {
        return nPages;
    }

    @Override
    public int grow(int size) {
        int previous = nPages;
        long wanted = (long) previous + size;
        if (size < 0 || wanted > maxPages) {
            return -1;
        }
        allocate(previous, (int) wanted);
        nPages = (int) wanted;
        for (int c = previous * CHUNKS_PER_PAGE; c < nPages * CHUNKS_PER_PAGE; c++) {
            touched[c >>> 6] |= 1L << c;
            dirty[c >>> 6] |= 1L << c;
        }
        return previous;
    }

    @Override
    public int initialPages() {
        return limits.initialPages();
    }

    @Override
    public int maximumPages() {
        return maxPages;
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public int waitOn(int address, int expected, long timeout) {
        throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public int waitOn(int address, long expected, long timeout) {
        throw new ChicoryException("Attempt to wait on a non-shared memory, not supported.");
    }

    @Override
    public int notify(int address, int maxThreads) {
        return 0;
    }

    @Override
    @SuppressWarnings("removal")
    public Object lock(int address) {
        throw new UnsupportedOperationException("a canister heap is never shared between threads");
    }

    // ---- initialisation -------------------------------------------------------------------

    @Override
    public void initialize(Instance instance, DataSegment[] segments) {
        initialize(instance, segments, 0);
    }

    @Override
    public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
        this.dataSegments = segments;
        if (segments == null) {
            return;
        }
        for (DataSegment s : segments) {
            if (s instanceof ActiveDataSegment active) {
                if (active.index() != memoryIndex) {
                    continue;
                }
                int offset = (int) computeConstantValue(instance, active.offsetInstructions())[0];
                byte[] data = active.data();
                if (!inBounds(offset, data.length)) {
                    throw new UninstantiableException("out of bounds memory access: data segment of " + data.length
                            + " bytes at " + Integer.toUnsignedString(offset) + " exceeds the memory of " + sizeInBytes()
                            + " bytes");
                }
                write(offset, data, 0, data.length);
            } else if (!(s instanceof PassiveDataSegment)) {
                throw new ChicoryException("Data segment should be active or passive: " + s);
            }
        }
    }

    @Override
    public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
        write(dest, dataSegments[segmentId].data(), offset, size);
    }

    @Override
    public void drop(int segment) {
        dataSegments[segment] = PassiveDataSegment.EMPTY;
    }

    // ---- bounds -----------------------------------------------------------------------------

    private long sizeInBytes() {
        return (long) nPages * PAGE_SIZE;
    }

    private boolean inBounds(int addr, int len) {
        return addr >= 0 && len >= 0 && (long) addr + len <= sizeInBytes();
    }

    private WasmRuntimeException outOfBounds(int addr, int len) {
        return new WasmRuntimeException("out of bounds memory access: attempted to access address: "
                + Integer.toUnsignedString(addr) + " but limit is: " + sizeInBytes() + " and size: " + len);
    }

    private void check(int addr, int len) {
        if (!inBounds(addr, len)) {
            throw outOfBounds(addr, len);
        }
    }

    /** The page holding [addr, addr + width) when the access fits in one page; null otherwise. */
    private byte[] pageFor(int addr, int width) {
        int off = addr & PAGE_MASK;
        if (off + width > PAGE_SIZE || addr < 0) {
            return null;
        }
        int page = addr >>> PAGE_SHIFT;
        return page < nPages ? pages[page] : null;
    }

    // ---- bulk access --------------------------------------------------------------------------

    @Override
    public void write(int addr, byte[] data, int offset, int size) {
        if (offset < 0 || size < 0 || (long) offset + size > data.length) {
            throw new WasmRuntimeException("out of bounds memory access: source range [" + offset + ", "
                    + ((long) offset + size) + ") of a " + data.length + "-byte array");
        }
        check(addr, size);
        if (size == 0) {
            return;
        }
        track(addr, size);
        int a = addr;
        int o = offset;
        int left = size;
        while (left > 0) {
            int inPage = a & PAGE_MASK;
            int n = Math.min(left, PAGE_SIZE - inPage);
            System.arraycopy(data, o, pages[a >>> PAGE_SHIFT], inPage, n);
            a += n;
            o += n;
            left -= n;
        }
    }

    @Override
    public byte[] readBytes(int addr, int len) {
        check(addr, len);
        byte[] out = new byte[len];
        int a = addr;
        int o = 0;
        while (o < len) {
            int inPage = a & PAGE_MASK;
            int n = Math.min(len - o, PAGE_SIZE - inPage);
            System.arraycopy(pages[a >>> PAGE_SHIFT], inPage, out, o, n);
            a += n;
            o += n;
        }
        return out;
    }

    @Override
    public void zero() {
        fill((byte) 0, 0, (int) sizeInBytes());
    }

    @Override
    public void fill(byte value, int fromIndex, int toIndex) {
        int len = toIndex - fromIndex;
        check(fromIndex, len);
        if (len == 0) {
            return;
        }
        track(fromIndex, len);
        int a = fromIndex;
        int left = len;
        while (left > 0) {
            int inPage = a & PAGE_MASK;
            int n = Math.min(left, PAGE_SIZE - inPage);
            Arrays.fill(pages[a >>> PAGE_SHIFT], inPage, inPage + n, value);
            a += n;
            left -= n;
        }
    }

    @Override
    public void copy(int dest, int src, int size) {
        check(dest, size);
        check(src, size);
        if (size == 0) {
            return;
        }
        // Overlapping ranges are handled by going through a copy of the source.
        write(dest, readBytes(src, size), 0, size);
    }

    // ---- scalar access ------------------------------------------------------------------------

    @Override
    public byte read(int addr) {
        byte[] p = pageFor(addr, 1);
        if (p == null) {
            throw outOfBounds(addr, 1);
        }
        return p[addr & PAGE_MASK];
    }

    @Override
    public void writeByte(int addr, byte data) {
        byte[] p = pageFor(addr, 1);
        if (p == null) {
            throw outOfBounds(addr, 1);
        }
        track(addr, 1);
        p[addr & PAGE_MASK] = data;
    }

    @Override
    public short readShort(int addr) {
        byte[] p = pageFor(addr, 2);
        if (p != null) {
            return (short) SHORT.get(p, addr & PAGE_MASK);
        }
        byte[] b = readBytes(addr, 2);
        return (short) SHORT.get(b, 0);
    }

    @Override
    public long readU16(int addr) {
        return readShort(addr) & 0xFFFFL;
    }

    @Override
    public void writeShort(int addr, short data) {
        byte[] p = pageFor(addr, 2);
        if (p != null) {
            track(addr, 2);
            SHORT.set(p, addr & PAGE_MASK, data);
        } else {
            byte[] b = new byte[2];
            SHORT.set(b, 0, data);
            write(addr, b, 0, 2);
        }
    }

    @Override
    public int readInt(int addr) {
        byte[] p = pageFor(addr, 4);
        if (p != null) {
            return (int) INT.get(p, addr & PAGE_MASK);
        }
        byte[] b = readBytes(addr, 4);
        return (int) INT.get(b, 0);
    }

    @Override
    public void writeI32(int addr, int data) {
        byte[] p = pageFor(addr, 4);
        if (p != null) {
            track(addr, 4);
            INT.set(p, addr & PAGE_MASK, data);
        } else {
            byte[] b = new byte[4];
            INT.set(b, 0, data);
            write(addr, b, 0, 4);
        }
    }

    @Override
    public long readLong(int addr) {
        byte[] p = pageFor(addr, 8);
        if (p != null) {
            return (long) LONG.get(p, addr & PAGE_MASK);
        }
        byte[] b = readBytes(addr, 8);
        return (long) LONG.get(b, 0);
    }

    @Override
    public void writeLong(int addr, long data) {
        byte[] p = pageFor(addr, 8);
        if (p != null) {
            track(addr, 8);
            LONG.set(p, addr & PAGE_MASK, data);
        } else {
            byte[] b = new byte[8];
            LONG.set(b, 0, data);
            write(addr, b, 0, 8);
        }
    }

    @Override
    public float readFloat(int addr) {
        byte[] p = pageFor(addr, 4);
        if (p != null) {
            return (float) FLOAT.get(p, addr & PAGE_MASK);
        }
        return Float.intBitsToFloat(readInt(addr));
    }

    @Override
    public long readF32(int addr) {
        return readInt(addr);
    }

    @Override
    public void writeF32(int addr, float data) {
        writeI32(addr, Float.floatToRawIntBits(data));
    }

    @Override
    public double readDouble(int addr) {
        byte[] p = pageFor(addr, 8);
        if (p != null) {
            return (double) DOUBLE.get(p, addr & PAGE_MASK);
        }
        return Double.longBitsToDouble(readLong(addr));
    }

    @Override
    public long readF64(int addr) {
        return readLong(addr);
    }

    @Override
    public void writeF64(int addr, double data) {
        writeLong(addr, Double.doubleToRawLongBits(data));
    }
}
