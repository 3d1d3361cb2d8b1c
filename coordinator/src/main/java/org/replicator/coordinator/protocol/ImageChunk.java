package org.replicator.coordinator.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.replicator.coordinator.store.Digest;

/**
 * One chunk of a frozen image as the source serves it, with the hash it recorded for the frozen
 * image; the reader checks one against the other and the hashes against the image's root.
 */
public record ImageChunk(long index, byte[] bytes, Digest hash) {
    /** Whether the bytes hash to the hash served with them. */
    public boolean intact() {
        try {
            return Digest.of(MessageDigest.getInstance("SHA-256").digest(bytes)).equals(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
