package org.replicator.localnet.certification;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 with the IC's domain separators: one length byte, then the ASCII name. */
final class Digests {
    static final byte[] EMPTY = domainSeparator("ic-hashtree-empty");
    static final byte[] FORK = domainSeparator("ic-hashtree-fork");
    static final byte[] LABELED = domainSeparator("ic-hashtree-labeled");
    static final byte[] LEAF = domainSeparator("ic-hashtree-leaf");
    static final byte[] EMPTY_TREE = hash(EMPTY);

    private Digests() {
    }

    static byte[] domainSeparator(String name) {
        byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[ascii.length + 1];
        out[0] = (byte) ascii.length;
        System.arraycopy(ascii, 0, out, 1, ascii.length);
        return out;
    }

    static byte[] hash(byte[]... parts) {
        MessageDigest digest = sha256();
        for (byte[] part : parts) {
            digest.update(part);
        }
        return digest.digest();
    }

    static byte[] fork(byte[] left, byte[] right) {
        return hash(FORK, left, right);
    }

    static byte[] labeled(byte[] label, byte[] subtree) {
        return hash(LABELED, label, subtree);
    }

    static byte[] leaf(byte[] value) {
        return hash(LEAF, value);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
