package org.replicator.localnet.certification;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborWriter;
import org.replicator.localnet.crypto.InvalidSignatureException;
import org.replicator.localnet.crypto.RequestSignatureVerifier;
import org.replicator.localnet.ids.Principal;

class CanisterSignatureVerifierTest {
    private static final byte[] SEED = "user-anchor-10000".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MESSAGE = "\nic-request-some-request-id-bytes".getBytes(StandardCharsets.UTF_8);
    private final TestNetwork network = new TestNetwork();
    private final Certifier root = Certifier.forRootSubnet(network.rootKey);
    private final CertifiedState rootState = new CertifiedStateBuilder().setTime(1).setSubnets(network.subnets).freeze(1);
    private final Certifier app = Certifier.forSubnet(network.appKey, root, () -> rootState);
    private final Principal signer = Principal.canister((1 << 20) + 9);
    private final RequestSignatureVerifier verifier =
            new RequestSignatureVerifier(new CanisterSignatureVerifier(network.rootKey.publicKeyDer()));

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static HashTree signatureTree(byte[] seed, byte[] message) throws Exception {
        return HashTree.labeled("sig", HashTree.labeled(sha256(seed),
                HashTree.labeled(sha256(message), HashTree.leaf(new byte[0]))));
    }

    private byte[] signature(Principal canister, HashTree tree, byte[] certifiedData) {
        CertifiedState state = new CertifiedStateBuilder().setTime(2).setSubnets(network.subnets)
                .putCanister(canister, new CanisterCertifiedInfo(certifiedData, null, List.of(), Map.of(), Map.of()))
                .freeze(3);
        byte[] certificate = app.dataCertificate(state, canister);
        return CborWriter.encode(CborMap.builder().put("certificate", certificate).put("tree", tree.toCbor()).build(),
                true);
    }

    private static byte[] publicKey(Principal canister, byte[] seed) throws Exception {
        byte[] key = new byte[1 + canister.length() + seed.length];
        key[0] = (byte) canister.length();
        System.arraycopy(canister.bytes(), 0, key, 1, canister.length());
        System.arraycopy(seed, 0, key, 1 + canister.length(), seed.length);
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.3.6.1.4.1.56387.1.2")), key)
                .getEncoded();
    }

    @Test
    void acceptsASignatureCertifiedByTheSigningCanistersSubnet() throws Exception {
        HashTree tree = signatureTree(SEED, MESSAGE);
        byte[] signature = signature(signer, tree, tree.digest());
        assertDoesNotThrow(() -> verifier.verify(publicKey(signer, SEED), MESSAGE, signature));
    }

    @Test
    void refusesASignatureOverAnotherMessage() throws Exception {
        HashTree tree = signatureTree(SEED, MESSAGE);
        byte[] signature = signature(signer, tree, tree.digest());
        byte[] other = "\nic-request-another-request".getBytes(StandardCharsets.UTF_8);
        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(publicKey(signer, SEED), other, signature));
        assertTrue(e.getMessage().contains("does not contain the signed message"), e.getMessage());
    }

    @Test
    void refusesATreeTheCanisterHasNotCertified() throws Exception {
        HashTree tree = signatureTree(SEED, MESSAGE);
        byte[] signature = signature(signer, tree, new byte[32]);
        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(publicKey(signer, SEED), MESSAGE, signature));
        assertTrue(e.getMessage().contains("certified data"), e.getMessage());
    }

    @Test
    void refusesACertificateFromASubnetThatDoesNotHostTheSigningCanister() throws Exception {
        Principal elsewhere = Principal.canister(9);
        HashTree tree = signatureTree(SEED, MESSAGE);
        byte[] signature = signature(elsewhere, tree, tree.digest());
        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(publicKey(elsewhere, SEED), MESSAGE, signature));
        assertTrue(e.getMessage().startsWith("Invalid canister signature: the certificate does not verify"),
                e.getMessage());
    }
}
