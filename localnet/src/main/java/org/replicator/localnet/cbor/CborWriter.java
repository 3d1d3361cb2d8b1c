package org.replicator.localnet.cbor;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Encodes CBOR with definite lengths and the shortest argument encodings, preserving map key
 * order as given. ic4j needs {@code status} first in query responses, and the replica writes
 * sorted keys elsewhere; both are the caller's choice, so nothing is reordered here.
 */
public final class CborWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Encodes a value, optionally behind the self-describe tag 55799 as IC responses are. */
    public static byte[] encode(CborValue value, boolean selfDescribe) {
        CborWriter writer = new CborWriter();
        if (selfDescribe) {
            writer.selfDescribe();
        }
        return writer.write(value).toByteArray();
    }

    public CborWriter selfDescribe() {
        return tag(CborReader.SELF_DESCRIBE_TAG);
    }

    public CborWriter tag(long tag) {
        head(6, tag);
        return this;
    }

    /** An unsigned integer; the long is read as unsigned 64-bit. */
    public CborWriter unsigned(long value) {
        head(0, value);
        return this;
    }

    public CborWriter integer(BigInteger value) {
        if (value.signum() >= 0) {
            head(0, value.longValue());
        } else {
            head(1, value.negate().subtract(BigInteger.ONE).longValue());
        }
        return this;
    }

    public CborWriter bytes(byte[] bytes) {
        head(2, bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    public CborWriter text(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        head(3, bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    /** Starts an array of {@code size} items; the caller writes them next. */
    public CborWriter arrayHeader(int size) {
        head(4, size);
        return this;
    }

    /** Starts a map of {@code size} entries; the caller writes key, value, key, value… next. */
    public CborWriter mapHeader(int size) {
        head(5, size);
        return this;
    }

    public CborWriter write(CborValue value) {
        if (value instanceof CborInt i) {
            integer(i.value());
        } else if (value instanceof CborBytes b) {
            head(2, b.length());
            out.writeBytes(b.unsafeBytes());
        } else if (value instanceof CborText t) {
            text(t.value());
        } else if (value instanceof CborArray a) {
            arrayHeader(a.size());
            a.items().forEach(this::write);
        } else if (value instanceof CborMap m) {
            mapHeader(m.size());
            for (Map.Entry<CborValue, CborValue> e : m.entries().entrySet()) {
                write(e.getKey());
                write(e.getValue());
            }
        } else if (value instanceof CborTag t) {
            tag(t.tag());
            write(t.content());
        } else if (value instanceof CborSimple s) {
            out.write(switch (s) {
                case FALSE -> 0xf4;
                case TRUE -> 0xf5;
                case NULL -> 0xf6;
                case UNDEFINED -> 0xf7;
            });
        } else if (value instanceof CborFloat f) {
            out.write(0xfb);
            long bits = Double.doubleToLongBits(f.value());
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (bits >>> shift));
            }
        }
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    private void head(int major, long argument) {
        int m = major << 5;
        if (Long.compareUnsigned(argument, 24) < 0) {
            out.write(m | (int) argument);
        } else if (Long.compareUnsigned(argument, 0x100) < 0) {
            out.write(m | 24);
            out.write((int) argument);
        } else if (Long.compareUnsigned(argument, 0x10000) < 0) {
            out.write(m | 25);
            writeBigEndian(argument, 2);
        } else if (Long.compareUnsigned(argument, 0x100000000L) < 0) {
            out.write(m | 26);
            writeBigEndian(argument, 4);
        } else {
            out.write(m | 27);
            writeBigEndian(argument, 8);
        }
    }

    private void writeBigEndian(long value, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (value >>> (8 * i)));
        }
    }
}
