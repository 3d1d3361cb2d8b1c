package org.replicator.localnet.cbor;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes exactly one CBOR data item (RFC 8949) into {@link CborValue}s. It accepts what agents
 * send: definite and indefinite lengths (ic4j's Jackson writer emits indefinite-length maps), any
 * integer width, and the self-describe tag 55799, which is optional on the wire and dropped
 * wherever it appears. Other tags are kept. It rejects what the IC forbids or cannot mean:
 * duplicate map keys, map keys other than text or integers, invalid UTF-8, reserved encodings
 * and trailing bytes.
 *
 * <p>The decoder is hand-written rather than built on Jackson's streaming parser because that
 * parser folds tags into numbers (tags 2 and 3 become big integers), cannot enumerate stacked
 * tags and silently turns byte-string map keys into field names.
 */
public final class CborReader {
    public static final long SELF_DESCRIBE_TAG = 55799;

    /** Deep enough for any hash tree a certificate carries, shallow enough for the stack. */
    private static final int MAX_DEPTH = 1024;
    private static final Object BREAK = new Object();

    private final byte[] input;
    private int position;

    private CborReader(byte[] input) {
        this.input = input;
    }

    public static CborValue read(byte[] input) throws CborException {
        CborReader reader = new CborReader(input);
        Object item = reader.readItem(0);
        if (item == BREAK) {
            throw new CborException("unexpected break stop code at offset 0");
        }
        if (reader.position != input.length) {
            throw new CborException("trailing data at offset " + reader.position);
        }
        return (CborValue) item;
    }

    private Object readItem(int depth) throws CborException {
        if (depth > MAX_DEPTH) {
            throw new CborException("recursion limit exceeded");
        }
        int start = position;
        int initial = nextByte();
        int major = initial >>> 5;
        int info = initial & 0x1f;
        switch (major) {
            case 0:
                return new CborInt(argumentBig(info, start));
            case 1:
                return new CborInt(argumentBig(info, start).negate().subtract(BigInteger.ONE));
            case 2:
                return CborBytes.wrap(readString(info, 2, start));
            case 3:
                return new CborText(utf8(readString(info, 3, start), start));
            case 4:
                return readArray(info, depth, start);
            case 5:
                return readMap(info, depth, start);
            case 6: {
                long tag = argument(info, start);
                Object content = readItem(depth + 1);
                if (content == BREAK) {
                    throw new CborException("unexpected break stop code at offset " + (position - 1));
                }
                return tag == SELF_DESCRIBE_TAG ? content : new CborTag(tag, (CborValue) content);
            }
            default:
                return readSimple(info, start);
        }
    }

    private Object readSimple(int info, int start) throws CborException {
        switch (info) {
            case 20:
                return CborSimple.FALSE;
            case 21:
                return CborSimple.TRUE;
            case 22:
                return CborSimple.NULL;
            case 23:
                return CborSimple.UNDEFINED;
            case 25:
                return new CborFloat(halfToDouble((int) readUnsigned(2)));
            case 26:
                return new CborFloat(Float.intBitsToFloat((int) readUnsigned(4)));
            case 27:
                return new CborFloat(Double.longBitsToDouble(readUnsigned(8)));
            case 31:
                return BREAK;
            default:
                throw new CborException("unsupported simple value " + info + " at offset " + start);
        }
    }

    private CborArray readArray(int info, int depth, int start) throws CborException {
        List<CborValue> items = new ArrayList<>();
        if (info == 31) {
            Object item;
            while ((item = readItem(depth + 1)) != BREAK) {
                items.add((CborValue) item);
            }
        } else {
            long count = argument(info, start);
            // Each item takes at least one byte, which bounds what a hostile length can allocate.
            if (Long.compareUnsigned(count, input.length - position) > 0) {
                throw new CborException("array length " + Long.toUnsignedString(count) + " exceeds the input");
            }
            for (long i = 0; i < count; i++) {
                Object item = readItem(depth + 1);
                if (item == BREAK) {
                    throw new CborException("unexpected break stop code in a definite-length array");
                }
                items.add((CborValue) item);
            }
        }
        return new CborArray(items);
    }

    private CborMap readMap(int info, int depth, int start) throws CborException {
        CborMap.Builder builder = CborMap.builder();
        long count = info == 31 ? -1 : argument(info, start);
        if (count >= 0 && Long.compareUnsigned(count, (input.length - position) / 2) > 0) {
            throw new CborException("map length " + Long.toUnsignedString(count) + " exceeds the input");
        }
        for (long i = 0; count < 0 || i < count; i++) {
            int keyOffset = position;
            Object key = readItem(depth + 1);
            if (key == BREAK) {
                if (count < 0) {
                    break;
                }
                throw new CborException("unexpected break stop code in a definite-length map");
            }
            if (!(key instanceof CborText) && !(key instanceof CborInt)) {
                throw new CborException("map key at offset " + keyOffset + " is a " + ((CborValue) key).kind()
                        + ", expected a text string");
            }
            Object value = readItem(depth + 1);
            if (value == BREAK) {
                throw new CborException("map key " + key + " has no value");
            }
            try {
                builder.put((CborValue) key, (CborValue) value);
            } catch (IllegalArgumentException e) {
                throw new CborException("duplicate map key " + key + " at offset " + keyOffset);
            }
        }
        return builder.build();
    }

    private byte[] readString(int info, int major, int start) throws CborException {
        if (info != 31) {
            long length = argument(info, start);
            if (Long.compareUnsigned(length, input.length - position) > 0) {
                throw new CborException("string length " + Long.toUnsignedString(length) + " exceeds the input");
            }
            byte[] bytes = new byte[(int) length];
            System.arraycopy(input, position, bytes, 0, bytes.length);
            position += bytes.length;
            return bytes;
        }
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        while (true) {
            int chunkStart = position;
            int initial = nextByte();
            if (initial == 0xff) {
                return chunks.toByteArray();
            }
            if (initial >>> 5 != major || (initial & 0x1f) == 31) {
                throw new CborException("invalid chunk in an indefinite-length string at offset " + chunkStart);
            }
            chunks.writeBytes(readString(initial & 0x1f, major, chunkStart));
        }
    }

    private static String utf8(byte[] bytes, int start) throws CborException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CborException("invalid UTF-8 in the text string at offset " + start);
        }
    }

    /** The argument of a head as an unsigned 64-bit value in a long. */
    private long argument(int info, int start) throws CborException {
        if (info < 24) {
            return info;
        }
        return switch (info) {
            case 24 -> readUnsigned(1);
            case 25 -> readUnsigned(2);
            case 26 -> readUnsigned(4);
            case 27 -> readUnsigned(8);
            default -> throw new CborException("invalid additional information " + info + " at offset " + start);
        };
    }

    private BigInteger argumentBig(int info, int start) throws CborException {
        return new BigInteger(Long.toUnsignedString(argument(info, start)));
    }

    private long readUnsigned(int bytes) throws CborException {
        if (input.length - position < bytes) {
            throw new CborException("unexpected end of input at offset " + position);
        }
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = (value << 8) | (input[position++] & 0xff);
        }
        return value;
    }

    private int nextByte() throws CborException {
        if (position >= input.length) {
            throw new CborException("unexpected end of input at offset " + position);
        }
        return input[position++] & 0xff;
    }

    private static double halfToDouble(int half) {
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        double value;
        if (exponent == 0) {
            value = mantissa * Math.pow(2, -24);
        } else if (exponent == 31) {
            value = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            value = (mantissa + 1024) * Math.pow(2, exponent - 25);
        }
        return (half & 0x8000) != 0 ? -value : value;
    }
}
