package org.replicator.localnet.persistence;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.replicator.localnet.ids.Principal;

/** Reads what {@link StateWriter} wrote. */
public final class StateReader {
    private final DataInputStream in;

    public StateReader(byte[] data) {
        this.in = new DataInputStream(new ByteArrayInputStream(data));
    }

    public int u8() {
        try {
            return in.readUnsignedByte();
        } catch (IOException e) {
            throw new UncheckedIOException("persisted state is truncated", e);
        }
    }

    public boolean bool() {
        return u8() != 0;
    }

    public int i32() {
        try {
            return in.readInt();
        } catch (IOException e) {
            throw new UncheckedIOException("persisted state is truncated", e);
        }
    }

    public long i64() {
        try {
            return in.readLong();
        } catch (IOException e) {
            throw new UncheckedIOException("persisted state is truncated", e);
        }
    }

    public byte[] bytes() {
        int n = i32();
        if (n < 0) {
            return null;
        }
        return raw(n);
    }

    public byte[] raw(int n) {
        byte[] v = new byte[n];
        try {
            in.readFully(v);
        } catch (IOException e) {
            throw new UncheckedIOException("persisted state is truncated", e);
        }
        return v;
    }

    public String string() {
        byte[] b = bytes();
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    public Principal principal() {
        byte[] b = bytes();
        return b == null ? null : Principal.of(b);
    }
}
