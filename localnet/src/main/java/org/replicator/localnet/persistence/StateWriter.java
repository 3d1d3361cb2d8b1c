package org.replicator.localnet.persistence;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.replicator.localnet.ids.Principal;

/** Writes persisted state in the localnet's own binary format (big-endian, length-prefixed). */
public final class StateWriter {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(buffer);

    public byte[] toByteArray() {
        return buffer.toByteArray();
    }

    public int size() {
        return out.size();
    }

    public StateWriter u8(int v) {
        try {
            out.writeByte(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    public StateWriter i32(int v) {
        try {
            out.writeInt(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter i64(long v) {
        try {
            out.writeLong(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter bytes(byte[] v) {
        if (v == null) {
            return i32(-1);
        }
        i32(v.length);
        try {
            out.write(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter raw(byte[] v, int offset, int length) {
        try {
            out.write(v, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public StateWriter string(String v) {
        return bytes(v == null ? null : v.getBytes(StandardCharsets.UTF_8));
    }

    public StateWriter principal(Principal p) {
        return bytes(p == null ? null : p.bytes());
    }
}
