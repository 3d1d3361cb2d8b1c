package org.replicator.coordinator.store;

import java.util.HexFormat;
import java.util.Objects;

/** A SHA-256 value (module hash, chunk hash, image root), compared by value and printed in hex. */
public record Digest(String hex) {
    public Digest {
        Objects.requireNonNull(hex, "hex");
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a SHA-256 digest is 64 lower-case hex digits, not '" + hex + "'");
        }
    }

    public static Digest of(byte[] bytes) {
        if (bytes.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + bytes.length);
        }
        return new Digest(HexFormat.of().formatHex(bytes));
    }

    public static Digest ofNullable(byte[] bytes) {
        return bytes == null ? null : of(bytes);
    }

    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
