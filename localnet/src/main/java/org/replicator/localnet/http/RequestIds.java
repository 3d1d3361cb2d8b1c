package org.replicator.localnet.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborInt;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborText;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.certification.Leb128;
import org.replicator.localnet.ids.RequestId;

/**
 * The representation-independent hash (spec "Request ids"): a map hashes to
 * {@code H(concat(sorted(H(key) · hash(value))))}, blobs and texts to their SHA-256, naturals to
 * the SHA-256 of their LEB128 form, arrays to the hash of their items' hashes concatenated. The
 * same function names query responses for node signatures and delegations for their signatures.
 */
public final class RequestIds {
    private RequestIds() {
    }

    /** The request id of a request's {@code content} map. */
    public static RequestId of(CborMap content) {
        return RequestId.of(hashOfMap(content));
    }

    public static byte[] hashOfMap(CborMap map) {
        List<byte[]> pairs = new ArrayList<>(map.size());
        for (Map.Entry<CborValue, CborValue> entry : map.entries().entrySet()) {
            if (!(entry.getKey() instanceof CborText key)) {
                throw new IllegalArgumentException("map keys must be text strings to be hashed, got "
                        + entry.getKey().kind());
            }
            byte[] keyHash = sha256(key.value().getBytes(StandardCharsets.UTF_8));
            byte[] valueHash = hashOfValue(entry.getValue());
            byte[] pair = Arrays.copyOf(keyHash, 64);
            System.arraycopy(valueHash, 0, pair, 32, 32);
            pairs.add(pair);
        }
        pairs.sort(Arrays::compareUnsigned);
        MessageDigest digest = sha256();
        pairs.forEach(digest::update);
        return digest.digest();
    }

    public static byte[] hashOfValue(CborValue value) {
        if (value instanceof CborBytes b) {
            return sha256(b.bytes());
        }
        if (value instanceof CborText t) {
            return sha256(t.value().getBytes(StandardCharsets.UTF_8));
        }
        if (value instanceof CborInt i) {
            return sha256(i.isUnsigned() ? Leb128.unsigned(i.value().longValue()) : Leb128.signed(i.value()));
        }
        if (value instanceof CborArray a) {
            MessageDigest digest = sha256();
            for (CborValue item : a.items()) {
                digest.update(hashOfValue(item));
            }
            return digest.digest();
        }
        if (value instanceof CborMap m) {
            return hashOfMap(m);
        }
        throw new IllegalArgumentException("a " + value.kind() + " cannot be part of a request");
    }

    static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
