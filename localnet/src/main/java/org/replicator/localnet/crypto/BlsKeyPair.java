package org.replicator.localnet.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.miracl.core.BLS12381.BIG;
import org.miracl.core.BLS12381.BLS;
import org.miracl.core.BLS12381.ECP2;
import org.miracl.core.BLS12381.PAIR;
import org.miracl.core.BLS12381.ROM;

/**
 * A subnet's threshold key, simulated by one BLS12-381 key in the "minimal signature size"
 * variant the IC certifies state with: 48-byte signatures in G1, 96-byte public keys in G2, hash
 * to curve with {@code BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_}. It uses the MIRACL code that
 * ships inside ic4j-agent, which is also what ic4j verifies certificates with.
 */
public final class BlsKeyPair {
    public static final int SECRET_KEY_BYTES = 48;
    public static final int PUBLIC_KEY_BYTES = 96;
    public static final int SIGNATURE_BYTES = 48;
    public static final int SEED_BYTES = 32;

    /** SEQUENCE { SEQUENCE { OID bls12_381-g2-pk, OID bls12_381 }, BIT STRING (97) }, as agents check it. */
    private static final byte[] DER_PREFIX =
            HexFormat.of().parseHex("308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");
    public static final int DER_BYTES = DER_PREFIX.length + PUBLIC_KEY_BYTES;

    private final byte[] secretKey;
    private final byte[] publicKey;

    private BlsKeyPair(byte[] secretKey, byte[] publicKey) {
        this.secretKey = secretKey;
        this.publicKey = publicKey;
    }

    /** Derives a key pair from 32 bytes of keying material (the draft's KeyGen with HKDF). */
    public static BlsKeyPair fromSeed(byte[] seed) {
        if (seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("a BLS seed has " + SEED_BYTES + " bytes, got " + seed.length);
        }
        Miracl.ensureInitialised();
        byte[] secret = new byte[SECRET_KEY_BYTES];
        byte[] pub = new byte[PUBLIC_KEY_BYTES];
        if (BLS.KeyPairGenerate(seed, secret, pub) != BLS.BLS_OK) {
            throw new IllegalStateException("BLS key generation failed");
        }
        return new BlsKeyPair(secret, pub);
    }

    public static BlsKeyPair generate(SecureRandom random) {
        byte[] seed = new byte[SEED_BYTES];
        random.nextBytes(seed);
        return fromSeed(seed);
    }

    /** Restores a key pair from {@link #serialize()}; the public key is recomputed from the secret. */
    public static BlsKeyPair restore(byte[] serialized) {
        if (serialized.length != SECRET_KEY_BYTES) {
            throw new IllegalArgumentException("a serialised BLS secret key has " + SECRET_KEY_BYTES
                    + " bytes, got " + serialized.length);
        }
        Miracl.ensureInitialised();
        BIG secret = BIG.fromBytes(serialized);
        if (secret.iszilch() || BIG.comp(secret, new BIG(ROM.CURVE_Order)) >= 0) {
            throw new IllegalArgumentException("not a BLS12-381 secret key: out of range");
        }
        byte[] pub = new byte[PUBLIC_KEY_BYTES];
        PAIR.G2mul(ECP2.generator(), secret).toBytes(pub, true);
        return new BlsKeyPair(serialized.clone(), pub);
    }

    /** The secret key (48 bytes, big-endian scalar) for a state directory. */
    public byte[] serialize() {
        return secretKey.clone();
    }

    /** The compressed G2 public key (96 bytes). */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The public key in the 133-byte DER form the IC publishes as root key and subnet key. */
    public byte[] publicKeyDer() {
        return toDer(publicKey);
    }

    /** Signs {@code message} as is (callers add the domain separator): a compressed G1 point. */
    public byte[] sign(byte[] message) {
        byte[] signature = new byte[SIGNATURE_BYTES];
        BLS.core_sign(signature, message, secretKey);
        return signature;
    }

    public static boolean verify(byte[] signature, byte[] message, byte[] publicKey) {
        if (signature.length != SIGNATURE_BYTES || publicKey.length != PUBLIC_KEY_BYTES) {
            return false;
        }
        Miracl.ensureInitialised();
        try {
            return BLS.core_verify(signature, message, publicKey) == BLS.BLS_OK;
        } catch (RuntimeException malformedPoint) {
            return false;
        }
    }

    public static byte[] toDer(byte[] publicKey) {
        if (publicKey.length != PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("a BLS public key has " + PUBLIC_KEY_BYTES + " bytes, got "
                    + publicKey.length);
        }
        byte[] der = Arrays.copyOf(DER_PREFIX, DER_BYTES);
        System.arraycopy(publicKey, 0, der, DER_PREFIX.length, PUBLIC_KEY_BYTES);
        return der;
    }

    /** The raw key inside a 133-byte DER BLS key; fails on any other length or prefix. */
    public static byte[] fromDer(byte[] der) {
        if (der.length != DER_BYTES || !Arrays.equals(der, 0, DER_PREFIX.length, DER_PREFIX, 0, DER_PREFIX.length)) {
            throw new IllegalArgumentException("not a DER-encoded BLS12-381 G2 public key ("
                    + der.length + " bytes)");
        }
        return Arrays.copyOfRange(der, DER_PREFIX.length, DER_BYTES);
    }

    @Override
    public String toString() {
        return "BlsKeyPair[public=" + HexFormat.of().formatHex(publicKey) + "]";
    }

    /** MIRACL's one-time precomputation, run once per JVM before first use. */
    private static final class Miracl {
        static {
            if (BLS.init() != BLS.BLS_OK) {
                throw new IllegalStateException("MIRACL BLS12-381 initialisation failed");
            }
        }

        static void ensureInitialised() {
            // Loading this class runs the static initialiser exactly once.
        }
    }
}
