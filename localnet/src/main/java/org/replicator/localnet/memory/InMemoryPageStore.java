package org.replicator.localnet.memory;

import java.util.HashMap;
import java.util.Map;

/** Pages in a map; for tests and for memories too small to deserve a file. */
public final class InMemoryPageStore implements PageStore {
    private final Map<Long, byte[]> pages = new HashMap<>();

    @Override
    public byte[] read(long index) {
        byte[] page = pages.get(index);
        return page == null ? new byte[PAGE_SIZE] : page.clone();
    }

    @Override
    public void write(long index, byte[] page) {
        pages.put(index, java.util.Arrays.copyOf(page, PAGE_SIZE));
    }

    public int pageCount() {
        return pages.size();
    }

    @Override
    public void sync() {
    }

    @Override
    public void close() {
    }
}
