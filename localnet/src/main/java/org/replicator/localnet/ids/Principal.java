package org.replicator.localnet.ids;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * An IC principal: an opaque blob of at most 29 bytes, with the textual form of the IC interface
 * specification (CRC-32 checksum, lowercase base32, dash every five characters).
 */
public final class Principal implements Comparable<Principal> {
    public static final int MAX_LENGTH = 29;
    private static final byte SELF_AUTHENTICATING = 0x02;
    private static final byte ANONYMOUS_TAG = 0x04;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private static final Principal MANAGEMENT = new Principal(new byte[0]);
    private static final Principal ANONYMOUS = new Principal(new byte[] {ANONYMOUS_TAG});

    private final byte[] bytes;

    private Principal(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Principal of(byte[] bytes) {
        if (bytes.length > MAX_LENGTH) {
            throw new IllegalArgumentException("a principal has at most 29 bytes, got " + bytes.length);
        }
        return new Principal(bytes.clone());
    }

    /** The management canister {@code aaaaa-aa}: the empty principal. */
    public static Principal managementCanister() {
        return MANAGEMENT;
    }

    /** The anonymous principal {@code 2vxsx-fae}. */
    public static Principal anonymous() {
        return ANONYMOUS;
    }

    /** A canister id as the IC forms them: the index as 8 big-endian bytes, then 0x01 0x01. */
    public static Principal canister(long index) {
        return new Principal(ByteBuffer.allocate(10).putLong(index).put((byte) 1).put((byte) 1).array());
    }

    /** The self-authenticating principal of a DER-encoded public key: SHA-224(der) · 0x02. */
    public static Principal selfAuthenticating(byte[] derPublicKey) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-224").digest(derPublicKey);
            byte[] id = Arrays.copyOf(hash, hash.length + 1);
            id[hash.length] = SELF_AUTHENTICATING;
            return new Principal(id);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses the textual form, checking the checksum. */
    public static Principal fromText(String text) {
        String compact = text.replace("-", "").toLowerCase(Locale.ROOT);
        byte[] decoded = base32Decode(compact, text);
        if (decoded.length < 4) {
            throw new IllegalArgumentException("not a principal: '" + text + "' is too short");
        }
        byte[] body = Arrays.copyOfRange(decoded, 4, decoded.length);
        Principal principal = of(body);
        if (!principal.toText().equals(text.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("not a principal: '" + text + "' has a wrong checksum or grouping");
        }
        return principal;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    public boolean isAnonymous() {
        return equals(ANONYMOUS);
    }

    public boolean isManagementCanister() {
        return bytes.length == 0;
    }

    public boolean isSelfAuthenticating() {
        return bytes.length == MAX_LENGTH && bytes[MAX_LENGTH - 1] == SELF_AUTHENTICATING;
    }

    /** True for ids of the form the IC gives canisters (8-byte index, 0x01 0x01). */
    public boolean isCanisterId() {
        return bytes.length == 10 && bytes[8] == 1 && bytes[9] == 1;
    }

    /** The index of a canister id; see {@link #canister(long)}. */
    public long canisterIndex() {
        if (!isCanisterId()) {
            throw new IllegalStateException(this + " is not a canister id");
        }
        return ByteBuffer.wrap(bytes, 0, 8).getLong();
    }

    public String toText() {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        byte[] all = ByteBuffer.allocate(4 + bytes.length).putInt((int) crc.getValue()).put(bytes).array();
        String encoded = base32Encode(all);
        StringBuilder grouped = new StringBuilder(encoded.length() + encoded.length() / 5);
        for (int i = 0; i < encoded.length(); i++) {
            if (i > 0 && i % 5 == 0) {
                grouped.append('-');
            }
            grouped.append(encoded.charAt(i));
        }
        return grouped.toString();
    }

    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public int compareTo(Principal other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Principal p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return toText();
    }

    private static String base32Encode(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    private static byte[] base32Decode(String s, String original) {
        ByteBuffer out = ByteBuffer.allocate(s.length() * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (char c : s.toCharArray()) {
            int v;
            if (c >= 'a' && c <= 'z') {
                v = c - 'a';
            } else if (c >= '2' && c <= '7') {
                v = c - '2' + 26;
            } else {
                throw new IllegalArgumentException("not a principal: '" + original + "' contains '" + c + "'");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >>> (bits - 8)));
                bits -= 8;
            }
        }
        return Arrays.copyOf(out.array(), out.position());
    }
}
