package org.replicator.localnet.memory;

import com.dylibso.chicory.runtime.Memory;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * A canister's stable memory: up to {@link #DEFAULT_MAX_PAGES} wasm pages (500 GiB, the IC's
 * limit), addressed with 64-bit offsets and stored in 4 KiB pages in three layers:
 * <ol>
 * <li>the current message's writes, dropped when the message traps;</li>
 * <li>the writes of committed messages not yet flushed, handed to the journal at the end of a round;</li>
 * <li>the {@link PageStore}, normally a sparse file.</li>
 * </ol>
 * Memory held in the JVM is proportional to what was written since the last flush, never to the
 * size of the stable memory, so images far bigger than the JVM heap work.
 */
public final class StableMemory implements AutoCloseable {
    public static final long WASM_PAGE = 65536;
    public static final long DEFAULT_MAX_PAGES = 500L * 1024 * 1024 * 1024 / WASM_PAGE;
    private static final int PAGE = PageStore.PAGE_SIZE;
    private static final int PAGE_SHIFT = 12;

    private final PageStore store;
    private final long maxPages;
    private final Map<Long, byte[]> messagePages = new HashMap<>();
    private final TreeMap<Long, byte[]> unflushedPages = new TreeMap<>();
    private long sizePages;
    private long sizeAtMessageStart = -1;

    public StableMemory(PageStore store) {
        this(store, 0);
    }

    /** Stable memory of {@code sizePages} wasm pages whose content is in {@code store}. */
    public StableMemory(PageStore store, long sizePages) {
        this(store, sizePages, DEFAULT_MAX_PAGES);
    }

    public StableMemory(PageStore store, long sizePages, long maxPages) {
        if (sizePages < 0 || sizePages > maxPages) {
            throw new IllegalArgumentException("stable memory of " + sizePages + " pages exceeds the maximum " + maxPages);
        }
        this.store = store;
        this.sizePages = sizePages;
        this.maxPages = maxPages;
    }

    public long sizePages() {
        return sizePages;
    }

    public long sizeBytes() {
        return sizePages * WASM_PAGE;
    }

    public long maxPages() {
        return maxPages;
    }

    /** Grows by {@code additional} pages; returns the old size, or -1 if that would exceed the maximum. */
    public long grow(long additional) {
        if (additional < 0 || additional > maxPages - sizePages) {
            return -1;
        }
        long old = sizePages;
        sizePages += additional;
        return old;
    }

    // ---- transactions -------------------------------------------------------------------------

    public void beginMessage() {
        if (sizeAtMessageStart >= 0) {
            throw new IllegalStateException("a stable-memory transaction is already open");
        }
        sizeAtMessageStart = sizePages;
    }

    public void commitMessage() {
        requireMessage();
        unflushedPages.putAll(messagePages);
        messagePages.clear();
        sizeAtMessageStart = -1;
    }

    /** Forgets every write and growth since {@link #beginMessage()}. */
    public void rollbackMessage() {
        requireMessage();
        messagePages.clear();
        sizePages = sizeAtMessageStart;
        sizeAtMessageStart = -1;
    }

    public boolean inMessage() {
        return sizeAtMessageStart >= 0;
    }

    private void requireMessage() {
        if (sizeAtMessageStart < 0) {
            throw new IllegalStateException("no stable-memory transaction is open");
        }
    }

    // ---- access ---------------------------------------------------------------------------------

    public void read(long offset, byte[] dst, int dstOffset, int length) {
        forEachPage(offset, length,
                (index, inPage, done, n) -> System.arraycopy(page(index), inPage, dst, dstOffset + done, n));
    }

    public void write(long offset, byte[] src, int srcOffset, int length) {
        forEachPage(offset, length,
                (index, inPage, done, n) -> System.arraycopy(src, srcOffset + done, writablePage(index), inPage, n));
    }

    /** Copies stable memory into the wasm heap (ic0.stable64_read) without an intermediate buffer. */
    public void read(long offset, Memory dst, int dstAddress, int length) {
        forEachPage(offset, length, (index, inPage, done, n) -> dst.write(dstAddress + done, page(index), inPage, n));
    }

    /** Copies from the wasm heap into stable memory (ic0.stable64_write). */
    public void write(long offset, Memory src, int srcAddress, int length) {
        forEachPage(offset, length, (index, inPage, done, n) ->
                System.arraycopy(src.readBytes(srcAddress + done, n), 0, writablePage(index), inPage, n));
    }

    /** The part of an access in page {@code index}: {@code n} bytes at {@code inPage}, {@code done} bytes into it. */
    @FunctionalInterface
    private interface PageSlice {
        void copy(long index, int inPage, int done, int n);
    }

    /** Splits an access at page boundaries, after checking it lies within the memory. */
    private void forEachPage(long offset, int length, PageSlice slice) {
        checkBounds(offset, length);
        long pos = offset;
        int done = 0;
        while (done < length) {
            int inPage = (int) (pos & (PAGE - 1));
            int n = Math.min(length - done, PAGE - inPage);
            slice.copy(pos >>> PAGE_SHIFT, inPage, done, n);
            pos += n;
            done += n;
        }
    }

    private void checkBounds(long offset, long length) {
        long size = sizeBytes();
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new StableMemoryOutOfBoundsException(offset, length, size);
        }
    }

    /** The current content of a page; must not be modified. */
    private byte[] page(long index) {
        byte[] p = messagePages.get(index);
        if (p != null) {
            return p;
        }
        p = unflushedPages.get(index);
        return p != null ? p : store.read(index);
    }

    private byte[] writablePage(long index) {
        byte[] p = messagePages.get(index);
        if (p == null) {
            byte[] committed = unflushedPages.get(index);
            p = committed != null ? committed.clone() : store.read(index);
            messagePages.put(index, p);
        }
        return p;
    }

    // ---- persistence ----------------------------------------------------------------------

    /** Every page committed since the last flush, in page order; the journal logs these. */
    public void forEachUnflushedPage(BiConsumer<Long, byte[]> consumer) {
        unflushedPages.forEach(consumer);
    }

    public int unflushedPageCount() {
        return unflushedPages.size();
    }

    /** Writes committed pages to the store and releases them from memory. */
    public void flush() {
        if (inMessage()) {
            throw new IllegalStateException("cannot flush stable memory inside a message");
        }
        unflushedPages.forEach(store::write);
        unflushedPages.clear();
    }

    public void sync() {
        store.sync();
    }

    @Override
    public void close() {
        store.close();
    }
}
