package org.replicator.localnet.memory;

/**
 * Durable storage of 4 KiB pages addressed by index. A page never written reads as zeros.
 * Implementations are used by one thread at a time.
 */
public interface PageStore extends AutoCloseable {
    int PAGE_SIZE = 4096;

    /** A fresh copy of the page, zeros if it was never written. */
    byte[] read(long index);

    /** Writes {@code PAGE_SIZE} bytes of {@code page} at the page's place. */
    void write(long index, byte[] page);

    /** Forces written pages to the device. */
    void sync();

    @Override
    void close();
}
