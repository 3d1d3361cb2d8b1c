package org.replicator.localnet.crypto;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.jce.interfaces.ECPublicKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.ic4j.agent.identity.BasicIdentity;
import org.ic4j.agent.identity.Prime256v1Identity;
import org.ic4j.agent.identity.Secp256k1Identity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborInt;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborWriter;
import org.replicator.localnet.ids.Principal;

class RequestSignatureVerifierTest {
    private static final byte[] MESSAGE = "\nic-request0123456789abcdef0123456789ab".getBytes(StandardCharsets.US_ASCII);
    private final RequestSignatureVerifier verifier = new RequestSignatureVerifier();

    @BeforeAll
    static void registerBouncyCastle() {
        Security.addProvider(new BouncyCastleProvider());
    }

    @Test
    void acceptsEd25519SignaturesFromIc4jBasicIdentity() throws Exception {
        BasicIdentity identity = BasicIdentity.fromKeyPair(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        byte[] signature = identity.sign(MESSAGE).signature.orElseThrow();
        assertEquals(PublicKeyKind.ED25519, verifier.kindOf(identity.getPublicKey()));
        assertDoesNotThrow(() -> verifier.verify(identity.getPublicKey(), MESSAGE, signature));
    }

    @Test
    void rejectsATamperedEd25519Signature() throws Exception {
        BasicIdentity identity = BasicIdentity.fromKeyPair(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        byte[] signature = identity.sign(MESSAGE).signature.orElseThrow();
        signature[10] ^= 1;
        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(identity.getPublicKey(), MESSAGE, signature));
        assertTrue(e.getMessage().startsWith("Invalid basic signature: Ed25519 signature could not be verified"));
    }

    @Test
    void acceptsSecp256k1SignaturesFromIc4jInBothLowAndHighSForm() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", "BC");
        generator.initialize(new ECGenParameterSpec("secp256k1"));
        Secp256k1Identity identity = Secp256k1Identity.fromKeyPair(generator.generateKeyPair());
        byte[] signature = identity.sign(MESSAGE).signature.orElseThrow();
        assertEquals(PublicKeyKind.ECDSA_SECP256K1, verifier.kindOf(identity.getPublicKey()));
        assertDoesNotThrow(() -> verifier.verify(identity.getPublicKey(), MESSAGE, signature));

        byte[] flipped = flipS(signature, CustomNamedCurves.getByName("secp256k1").getN());
        assertDoesNotThrow(() -> verifier.verify(identity.getPublicKey(), MESSAGE, flipped));
    }

    @Test
    void acceptsP256SignaturesInTheRawSha256Form() throws Exception {
        KeyPair pair = p256();
        Signature signer = Signature.getInstance("SHA256withPLAIN-ECDSA", "BC");
        signer.initSign(pair.getPrivate());
        signer.update(MESSAGE);
        byte[] signature = signer.sign();
        byte[] der = pair.getPublic().getEncoded();
        assertEquals(91, der.length);
        assertEquals(PublicKeyKind.ECDSA_P256, verifier.kindOf(der));
        assertDoesNotThrow(() -> verifier.verify(der, MESSAGE, signature));

        byte[] otherMessage = MESSAGE.clone();
        otherMessage[otherMessage.length - 1] ^= 1;
        assertThrows(InvalidSignatureException.class, () -> verifier.verify(der, otherMessage, signature));
    }

    @Test
    void rejectsIc4jPrime256v1SignaturesBecauseTheyAreDerEncodedSha512AsTheReplicaDoes() throws Exception {
        Prime256v1Identity identity = Prime256v1Identity.fromKeyPair(p256());
        byte[] signature = identity.sign(MESSAGE).signature.orElseThrow();
        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(identity.getPublicKey(), MESSAGE, signature));
        assertTrue(e.getMessage().contains("64 bytes r||s"), e.getMessage());
    }

    @Test
    void acceptsWebAuthnSignaturesWhoseChallengeIsTheMessage() throws Exception {
        KeyPair pair = p256();
        byte[] der = webAuthnDer((ECPublicKey) pair.getPublic());
        byte[] signature = webAuthnSignature(pair, Base64.getUrlEncoder().withoutPadding().encodeToString(MESSAGE));
        assertEquals(PublicKeyKind.WEBAUTHN, verifier.kindOf(der));
        assertDoesNotThrow(() -> verifier.verify(der, MESSAGE, signature));

        byte[] wrongChallenge = webAuthnSignature(pair, Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[8]));
        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(der, MESSAGE, wrongChallenge));
        assertTrue(e.getMessage().startsWith("WebAuthn error: the challenge"), e.getMessage());
    }

    @Test
    void handsCanisterSignaturesToTheCanisterSignatureCheck() throws Exception {
        Principal canister = Principal.canister(7);
        byte[] seed = {9, 9};
        byte[] keyBytes = new byte[1 + canister.length() + seed.length];
        keyBytes[0] = (byte) canister.length();
        System.arraycopy(canister.bytes(), 0, keyBytes, 1, canister.length());
        System.arraycopy(seed, 0, keyBytes, 1 + canister.length(), seed.length);
        byte[] der = new SubjectPublicKeyInfo(new AlgorithmIdentifier(RequestSignatureVerifier.CANISTER_SIGNATURE),
                keyBytes).getEncoded();

        AtomicReference<Principal> seen = new AtomicReference<>();
        RequestSignatureVerifier withCheck = new RequestSignatureVerifier((c, s, m, sig) -> {
            seen.set(c);
            assertTrue(Arrays.equals(seed, s) && Arrays.equals(MESSAGE, m));
        });
        withCheck.verify(der, MESSAGE, new byte[] {1});
        assertEquals(canister, seen.get());

        InvalidSignatureException e = assertThrows(InvalidSignatureException.class,
                () -> verifier.verify(der, MESSAGE, new byte[] {1}));
        assertTrue(e.getMessage().startsWith("Invalid canister signature: "));
    }

    @Test
    void refusesKeysTheIcDoesNotAcceptWithAMessageSayingWhy() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        byte[] rsaDer = rsa.generateKeyPair().getPublic().getEncoded();
        assertEquals("Invalid basic signature: RSA signatures are not allowed except in webauthn context",
                assertThrows(InvalidSignatureException.class, () -> verifier.verify(rsaDer, MESSAGE, new byte[64]))
                        .getMessage());

        byte[] blsDer = BlsKeyPair.fromSeed(new byte[32]).publicKeyDer();
        assertTrue(assertThrows(InvalidSignatureException.class, () -> verifier.verify(blsDer, MESSAGE, new byte[48]))
                .getMessage().startsWith("Invalid public key: BLS12-381 keys are not accepted"));

        byte[] unknown = new SubjectPublicKeyInfo(new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.2.3.4")),
                new byte[8]).getEncoded();
        assertTrue(assertThrows(InvalidSignatureException.class, () -> verifier.verify(unknown, MESSAGE, new byte[64]))
                .getMessage().startsWith("Invalid public key: unsupported public key algorithm 1.2.3.4"));

        assertTrue(assertThrows(InvalidSignatureException.class, () -> verifier.verify(new byte[] {1, 2}, MESSAGE,
                new byte[64])).getMessage().startsWith("Invalid public key: the public key is not a DER"));
    }

    private static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", "BC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return generator.generateKeyPair();
    }

    private static byte[] flipS(byte[] signature, BigInteger n) {
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        byte[] flippedS = n.subtract(s).toByteArray();
        byte[] out = Arrays.copyOf(signature, 64);
        Arrays.fill(out, 32, 64, (byte) 0);
        int length = Math.min(flippedS.length, 32);
        System.arraycopy(flippedS, flippedS.length - length, out, 64 - length, length);
        return out;
    }

    private static byte[] webAuthnDer(ECPublicKey key) throws Exception {
        CborMap cose = CborMap.builder()
                .put(CborInt.of(1), CborInt.of(2))
                .put(CborInt.of(3), CborInt.of(-7))
                .put(CborInt.of(-1), CborInt.of(1))
                .put(CborInt.of(-2), CborBytes.of(fixed(key.getQ().getAffineXCoord().toBigInteger())))
                .put(CborInt.of(-3), CborBytes.of(fixed(key.getQ().getAffineYCoord().toBigInteger())))
                .build();
        return new SubjectPublicKeyInfo(new AlgorithmIdentifier(RequestSignatureVerifier.WEBAUTHN),
                CborWriter.encode(cose, false)).getEncoded();
    }

    private static byte[] webAuthnSignature(KeyPair pair, String challenge) throws Exception {
        byte[] authenticatorData = new byte[37];
        String clientData = "{\"type\":\"webauthn.get\",\"challenge\":\"" + challenge + "\",\"origin\":\"http://localhost\"}";
        Signature signer = Signature.getInstance("SHA256withECDSA", "BC");
        signer.initSign(pair.getPrivate());
        signer.update(authenticatorData);
        signer.update(MessageDigest.getInstance("SHA-256").digest(clientData.getBytes(StandardCharsets.UTF_8)));
        CborMap signature = CborMap.builder()
                .put("authenticator_data", authenticatorData)
                .put("client_data_json", clientData)
                .put("signature", signer.sign())
                .build();
        return CborWriter.encode(signature, true);
    }

    private static byte[] fixed(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int length = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - length, out, 32 - length, length);
        return out;
    }
}
