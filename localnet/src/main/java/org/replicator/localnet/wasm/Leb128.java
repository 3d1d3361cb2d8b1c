package org.replicator.localnet.wasm;

import java.io.ByteArrayOutputStream;

/** LEB128 as the wasm binary format uses it. */
final class Leb128 {
    private Leb128() {
    }

    /** Reads an unsigned value at {@code p}; returns {value, position after it}. */
    static long[] readUnsigned(byte[] b, int p) {
        long result = 0;
        int shift = 0;
        while (true) {
            if (p >= b.length) {
                throw new IllegalArgumentException("truncated LEB128 at offset " + p);
            }
            int x = b[p++] & 0xff;
            result |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return new long[] {result, p};
            }
            shift += 7;
            if (shift > 63) {
                throw new IllegalArgumentException("LEB128 too long at offset " + p);
            }
        }
    }

    static void writeUnsigned(ByteArrayOutputStream out, long v) {
        do {
            int x = (int) (v & 0x7f);
            v >>>= 7;
            if (v != 0) {
                x |= 0x80;
            }
            out.write(x);
        } while (v != 0);
    }

    static void writeSigned(ByteArrayOutputStream out, long v) {
        while (true) {
            int x = (int) (v & 0x7f);
            v >>= 7;
            boolean done = v == 0 && (x & 0x40) == 0 || v == -1 && (x & 0x40) != 0;
            if (!done) {
                x |= 0x80;
            }
            out.write(x);
            if (done) {
                return;
            }
        }
    }
}
