package org.replicator.localnet.cbor;

import java.math.BigInteger;

/** A CBOR integer (major types 0 and 1), which ranges over [-2^64, 2^64 - 1]. */
public record CborInt(BigInteger value) implements CborValue {
    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    public CborInt {
        if (value.compareTo(MAX_U64) > 0 || value.compareTo(MAX_U64.negate().subtract(BigInteger.ONE)) < 0) {
            throw new IllegalArgumentException("CBOR integers have at most 64 bits of magnitude: " + value);
        }
    }

    public static CborInt of(long value) {
        return new CborInt(BigInteger.valueOf(value));
    }

    /** An unsigned 64-bit value held in a long as two's complement (as {@link Long#toUnsignedString}). */
    public static CborInt ofUnsigned(long value) {
        return new CborInt(new BigInteger(Long.toUnsignedString(value)));
    }

    public boolean isUnsigned() {
        return value.signum() >= 0;
    }

    /** The value as an unsigned 64-bit long; fails for negative values. */
    public long unsignedLong() {
        if (!isUnsigned()) {
            throw new ArithmeticException("negative integer " + value + " where an unsigned one is expected");
        }
        return value.longValue();
    }

    @Override
    public String kind() {
        return isUnsigned() ? "unsigned integer" : "negative integer";
    }
}
