package org.replicator.localnet.memory;

/** An access beyond the current size of stable memory; the System API turns it into a trap. */
public final class StableMemoryOutOfBoundsException extends RuntimeException {
    public StableMemoryOutOfBoundsException(long offset, long length, long sizeBytes) {
        super("stable memory access [" + offset + ", " + (offset + length) + ") is beyond its size of "
                + sizeBytes + " bytes", null, false, false);
    }
}
