package org.replicator.localnet.cbor;

import java.util.Arrays;
import java.util.HexFormat;

/** A CBOR byte string. The array is copied on the way in and out, so the value is immutable. */
public final class CborBytes implements CborValue {
    private final byte[] bytes;

    private CborBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    public static CborBytes of(byte[] bytes) {
        return new CborBytes(bytes.clone());
    }

    /** Wraps an array the caller promises never to change. */
    static CborBytes wrap(byte[] bytes) {
        return new CborBytes(bytes);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** The backing array, for writers within this package that only read it. */
    byte[] unsafeBytes() {
        return bytes;
    }

    @Override
    public String kind() {
        return "byte string";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CborBytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "h'" + HexFormat.of().formatHex(bytes) + "'";
    }
}
