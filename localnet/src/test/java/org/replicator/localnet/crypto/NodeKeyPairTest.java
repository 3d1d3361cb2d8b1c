package org.replicator.localnet.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.ids.Principal;

class NodeKeyPairTest {
    private final NodeKeyPair key = NodeKeyPair.fromSeed(new byte[32]);

    @Test
    void publicKeyIsThe44ByteSubjectPublicKeyInfoAgentsCheck() {
        byte[] der = key.publicKeyDer();
        assertEquals(44, der.length);
        assertEquals("302a300506032b6570032100", HexFormat.of().formatHex(der, 0, 12));
    }

    @Test
    void nodeIdIsTheSelfAuthenticatingIdOfTheDerKey() {
        assertEquals(Principal.selfAuthenticating(key.publicKeyDer()), key.nodeId());
    }

    @Test
    void signaturesVerifyWithTheJdkEd25519Implementation() throws Exception {
        PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(key.publicKeyDer()));
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(publicKey);
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(key.sign(new byte[] {1, 2, 3})));
    }

    @Test
    void restoringTheSerialisedSeedGivesTheSameKey() {
        NodeKeyPair restored = NodeKeyPair.restore(key.serialize());
        assertArrayEquals(key.publicKeyDer(), restored.publicKeyDer());
        assertArrayEquals(key.sign(new byte[] {4}), restored.sign(new byte[] {4}));
    }
}
