package org.replicator.localnet.ids;

import java.util.Arrays;
import java.util.HexFormat;

/** The 32-byte representation-independent hash of a request's content. */
public final class RequestId {
    private final byte[] hash;

    private RequestId(byte[] hash) {
        this.hash = hash;
    }

    public static RequestId of(byte[] hash) {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a request id has 32 bytes, got " + hash.length);
        }
        return new RequestId(hash.clone());
    }

    public byte[] bytes() {
        return hash.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestId r && Arrays.equals(hash, r.hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
        return "0x" + HexFormat.of().formatHex(hash);
    }
}
