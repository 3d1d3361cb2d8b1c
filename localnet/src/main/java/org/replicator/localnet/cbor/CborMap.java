package org.replicator.localnet.cbor;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A CBOR map in the order its keys were written. Keys are text strings (everything on the IC's
 * HTTP interface) or integers (COSE keys inside WebAuthn public keys). Order matters on the way
 * out: ic4j reads query responses with order-sensitive setters, so {@code status} must come first.
 */
public final class CborMap implements CborValue {
    private final LinkedHashMap<CborValue, CborValue> entries;

    private CborMap(LinkedHashMap<CborValue, CborValue> entries) {
        this.entries = entries;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static CborMap empty() {
        return new CborMap(new LinkedHashMap<>());
    }

    /** Entries in the order they were written; keys are {@link CborText} or {@link CborInt}. */
    public Map<CborValue, CborValue> entries() {
        return Collections.unmodifiableMap(entries);
    }

    public int size() {
        return entries.size();
    }

    public boolean has(String key) {
        return entries.containsKey(new CborText(key));
    }

    public Optional<CborValue> get(String key) {
        return Optional.ofNullable(entries.get(new CborText(key)));
    }

    /** The value under an integer key (COSE maps). */
    public Optional<CborValue> get(long key) {
        return Optional.ofNullable(entries.get(CborInt.of(key)));
    }

    /** The value under {@code key}, which must be present. */
    public CborValue require(String key) throws CborException {
        CborValue value = entries.get(new CborText(key));
        if (value == null) {
            throw new CborException("missing field `" + key + "`");
        }
        return value;
    }

    public byte[] requireBytes(String key) throws CborException {
        return asBytes(key, require(key));
    }

    public Optional<byte[]> optionalBytes(String key) throws CborException {
        CborValue value = entries.get(new CborText(key));
        return value == null ? Optional.empty() : Optional.of(asBytes(key, value));
    }

    public String requireText(String key) throws CborException {
        CborValue value = require(key);
        if (value instanceof CborText t) {
            return t.value();
        }
        throw new CborException("invalid type: " + value.kind() + " for field `" + key + "`, expected a text string");
    }

    /** An unsigned integer of at most 64 bits, returned as an unsigned long. */
    public long requireUnsigned(String key) throws CborException {
        CborValue value = require(key);
        if (value instanceof CborInt i && i.isUnsigned()) {
            return i.unsignedLong();
        }
        throw new CborException("invalid type: " + value.kind() + " for field `" + key
                + "`, expected an unsigned integer");
    }

    public CborArray requireArray(String key) throws CborException {
        CborValue value = require(key);
        if (value instanceof CborArray a) {
            return a;
        }
        throw new CborException("invalid type: " + value.kind() + " for field `" + key + "`, expected an array");
    }

    public CborMap requireMap(String key) throws CborException {
        CborValue value = require(key);
        if (value instanceof CborMap m) {
            return m;
        }
        throw new CborException("invalid type: " + value.kind() + " for field `" + key + "`, expected a map");
    }

    private static byte[] asBytes(String key, CborValue value) throws CborException {
        if (value instanceof CborBytes b) {
            return b.bytes();
        }
        throw new CborException("invalid type: " + value.kind() + " for field `" + key + "`, expected a byte string");
    }

    @Override
    public String kind() {
        return "map";
    }

    /** Equal when the same entries appear in the same order. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CborMap m
                && new ArrayList<>(entries.entrySet()).equals(new ArrayList<>(m.entries.entrySet()));
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return entries.toString();
    }

    /** Builds a map in insertion order; a repeated key is an error, as CBOR on the IC forbids it. */
    public static final class Builder {
        private final LinkedHashMap<CborValue, CborValue> entries = new LinkedHashMap<>();

        private Builder() {
        }

        /** Adds an entry under a text or integer key. */
        public Builder put(CborValue key, CborValue value) {
            if (!(key instanceof CborText) && !(key instanceof CborInt)) {
                throw new IllegalArgumentException("map keys must be text strings or integers, got " + key.kind());
            }
            if (entries.putIfAbsent(key, value) != null) {
                throw new IllegalArgumentException("duplicate map key " + key);
            }
            return this;
        }

        public Builder put(String key, CborValue value) {
            return put(new CborText(key), value);
        }

        public Builder put(String key, String text) {
            return put(key, new CborText(text));
        }

        public Builder put(String key, byte[] bytes) {
            return put(key, CborBytes.of(bytes));
        }

        /** An unsigned 64-bit value (two's complement in a long). */
        public Builder putUnsigned(String key, long value) {
            return put(key, CborInt.ofUnsigned(value));
        }

        public Builder put(String key, BigInteger value) {
            return put(key, new CborInt(value));
        }

        public CborMap build() {
            return new CborMap(new LinkedHashMap<>(entries));
        }
    }
}
