package org.replicator.localnet.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.replicator.localnet.ids.Principal;

/** A node's Ed25519 signing key, used to sign query responses as replica nodes do. */
public final class NodeKeyPair {
    public static final int SEED_BYTES = 32;
    /** SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33) }, RFC 8410. */
    static final byte[] DER_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    public static final int DER_BYTES = DER_PREFIX.length + 32;

    private final Ed25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;
    private final byte[] publicKeyDer;
    private final Principal nodeId;

    private NodeKeyPair(byte[] seed) {
        this.privateKey = new Ed25519PrivateKeyParameters(seed, 0);
        this.publicKey = privateKey.generatePublicKey().getEncoded();
        this.publicKeyDer = Arrays.copyOf(DER_PREFIX, DER_BYTES);
        System.arraycopy(publicKey, 0, publicKeyDer, DER_PREFIX.length, publicKey.length);
        this.nodeId = Principal.selfAuthenticating(publicKeyDer);
    }

    public static NodeKeyPair fromSeed(byte[] seed) {
        if (seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("an Ed25519 seed has " + SEED_BYTES + " bytes, got " + seed.length);
        }
        return new NodeKeyPair(seed.clone());
    }

    public static NodeKeyPair generate(SecureRandom random) {
        byte[] seed = new byte[SEED_BYTES];
        random.nextBytes(seed);
        return new NodeKeyPair(seed);
    }

    /** Restores a key pair from {@link #serialize()}. */
    public static NodeKeyPair restore(byte[] serialized) {
        return fromSeed(serialized);
    }

    /** The 32-byte Ed25519 seed, for a state directory. */
    public byte[] serialize() {
        return privateKey.getEncoded();
    }

    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The 44-byte SubjectPublicKeyInfo agents expect under {@code /subnet/<id>/node/<id>/public_key}. */
    public byte[] publicKeyDer() {
        return publicKeyDer.clone();
    }

    /** The node id: the self-authenticating principal of the DER public key. */
    public Principal nodeId() {
        return nodeId;
    }

    public byte[] sign(byte[] message) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /** Verifies an Ed25519 signature with a raw 32-byte public key. */
    public static boolean verify(byte[] signature, byte[] message, byte[] publicKey) {
        if (publicKey.length != 32 || signature.length != 64) {
            return false;
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature);
    }

    @Override
    public String toString() {
        return "NodeKeyPair[" + nodeId + "]";
    }
}
