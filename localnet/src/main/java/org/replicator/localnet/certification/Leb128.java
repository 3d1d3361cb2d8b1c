package org.replicator.localnet.certification;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;

/** The shortest LEB128 encodings the state tree and request ids use for numbers. */
public final class Leb128 {
    private Leb128() {
    }

    /** Unsigned LEB128 of a value read as unsigned 64-bit. */
    public static byte[] unsigned(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(10);
        do {
            int b = (int) (value & 0x7f);
            value >>>= 7;
            out.write(value != 0 ? b | 0x80 : b);
        } while (value != 0);
        return out.toByteArray();
    }

    /** Signed LEB128 of any integer. */
    public static byte[] signed(BigInteger value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BigInteger v = value;
        while (true) {
            int b = v.intValue() & 0x7f;
            v = v.shiftRight(7);
            boolean done = (v.signum() == 0 && (b & 0x40) == 0) || (v.equals(BigInteger.ONE.negate()) && (b & 0x40) != 0);
            out.write(done ? b : b | 0x80);
            if (done) {
                return out.toByteArray();
            }
        }
    }

    /** Decodes an unsigned LEB128 value that fits 64 bits and uses every byte. */
    public static long decodeUnsigned(byte[] bytes) {
        long value = 0;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            if (i == 9 && b > 1 || i > 9) {
                throw new IllegalArgumentException("LEB128 value exceeds 64 bits");
            }
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (i != bytes.length - 1) {
                    throw new IllegalArgumentException("trailing bytes after a LEB128 value");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("truncated LEB128 value");
    }
}
