package org.replicator.localnet.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.miracl.core.BLS12381.BLS;
import org.junit.jupiter.api.Test;

class BlsKeyPairTest {
    private static final byte[] SEED = new byte[32];

    static {
        Arrays.fill(SEED, (byte) 7);
    }

    @Test
    void theSameSeedAlwaysGivesTheSameKey() {
        assertArrayEquals(BlsKeyPair.fromSeed(SEED).publicKey(), BlsKeyPair.fromSeed(SEED.clone()).publicKey());
        byte[] other = SEED.clone();
        other[0] = 8;
        assertFalse(Arrays.equals(BlsKeyPair.fromSeed(SEED).publicKey(), BlsKeyPair.fromSeed(other).publicKey()));
    }

    @Test
    void derFormIsThe133ByteEncodingAgentsCheck() {
        byte[] der = BlsKeyPair.fromSeed(SEED).publicKeyDer();
        assertEquals(133, der.length);
        assertEquals("308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100",
                HexFormat.of().formatHex(der, 0, 37));
        assertArrayEquals(BlsKeyPair.fromSeed(SEED).publicKey(), BlsKeyPair.fromDer(der));
        assertThrows(IllegalArgumentException.class, () -> BlsKeyPair.fromDer(Arrays.copyOf(der, 132)));
    }

    @Test
    void signaturesVerifyWithMiraclCoreVerifyAsIc4jUsesIt() {
        BlsKeyPair key = BlsKeyPair.fromSeed(SEED);
        byte[] message = "\ric-state-root0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        byte[] signature = key.sign(message);
        assertEquals(48, signature.length);
        assertEquals(BLS.BLS_OK, BLS.core_verify(signature, message, key.publicKey()));
        assertTrue(BlsKeyPair.verify(signature, message, key.publicKey()));
    }

    @Test
    void aSignatureDoesNotVerifyForAnotherMessageOrKey() {
        BlsKeyPair key = BlsKeyPair.fromSeed(SEED);
        byte[] signature = key.sign(new byte[] {1, 2, 3});
        assertFalse(BlsKeyPair.verify(signature, new byte[] {1, 2, 4}, key.publicKey()));
        byte[] otherSeed = new byte[32];
        assertFalse(BlsKeyPair.verify(signature, new byte[] {1, 2, 3}, BlsKeyPair.fromSeed(otherSeed).publicKey()));
        byte[] garbage = signature.clone();
        garbage[5] ^= 1;
        assertFalse(BlsKeyPair.verify(garbage, new byte[] {1, 2, 3}, key.publicKey()));
    }

    @Test
    void restoringTheSerialisedSecretGivesTheSameKeyPair() {
        BlsKeyPair key = BlsKeyPair.fromSeed(SEED);
        BlsKeyPair restored = BlsKeyPair.restore(key.serialize());
        assertArrayEquals(key.publicKey(), restored.publicKey());
        assertArrayEquals(key.sign(new byte[] {9}), restored.sign(new byte[] {9}));
        assertThrows(IllegalArgumentException.class, () -> BlsKeyPair.restore(new byte[48]));
        assertThrows(IllegalArgumentException.class, () -> BlsKeyPair.restore(new byte[32]));
    }
}
