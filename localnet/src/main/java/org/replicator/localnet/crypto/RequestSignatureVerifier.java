package org.replicator.localnet.crypto;

import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;
import org.replicator.localnet.ids.Principal;

/**
 * Verifies the signatures on IC requests and delegations (spec "Signatures"): the public key is a
 * DER SubjectPublicKeyInfo, and the algorithm follows from its OID.
 *
 * <ul>
 *   <li>Ed25519 (1.3.101.112): 64-byte signature over the message.</li>
 *   <li>ECDSA on P-256 or secp256k1 (id-ecPublicKey with the named curve): 64-byte {@code r‖s}
 *       over SHA-256 of the message. High-S signatures are accepted because ic4j's
 *       {@code Secp256k1Identity} does not normalise S and the IC accepts them.</li>
 *   <li>WebAuthn (1.3.6.1.4.1.56387.1.1): a COSE key (ECDSA P-256 or RSA) and a CBOR signature
 *       over authenticator data and client data whose challenge is the message.</li>
 *   <li>Canister signatures (1.3.6.1.4.1.56387.1.2): delegated to a {@link CanisterSignatureCheck}.</li>
 * </ul>
 * Anything else (RSA outside WebAuthn, BLS, unknown OIDs) is refused with a message saying why.
 */
public final class RequestSignatureVerifier {
    static final ASN1ObjectIdentifier ED25519 = new ASN1ObjectIdentifier("1.3.101.112");
    static final ASN1ObjectIdentifier EC_PUBLIC_KEY = new ASN1ObjectIdentifier("1.2.840.10045.2.1");
    static final ASN1ObjectIdentifier P256 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");
    static final ASN1ObjectIdentifier SECP256K1 = new ASN1ObjectIdentifier("1.3.132.0.10");
    static final ASN1ObjectIdentifier WEBAUTHN = new ASN1ObjectIdentifier("1.3.6.1.4.1.56387.1.1");
    static final ASN1ObjectIdentifier CANISTER_SIGNATURE = new ASN1ObjectIdentifier("1.3.6.1.4.1.56387.1.2");
    static final ASN1ObjectIdentifier RSA = new ASN1ObjectIdentifier("1.2.840.113549.1.1.1");
    static final ASN1ObjectIdentifier BLS12_381_G2 = new ASN1ObjectIdentifier("1.3.6.1.4.1.44668.5.3.1.2.1");

    private static final ECDomainParameters P256_DOMAIN = domain("secp256r1");
    private static final ECDomainParameters SECP256K1_DOMAIN = domain("secp256k1");

    private final CanisterSignatureCheck canisterSignatures;
    private final WebAuthnVerifier webAuthn = new WebAuthnVerifier();

    public RequestSignatureVerifier(CanisterSignatureCheck canisterSignatures) {
        this.canisterSignatures = canisterSignatures;
    }

    /** A verifier that refuses canister signatures. */
    public RequestSignatureVerifier() {
        this(CanisterSignatureCheck.unsupported());
    }

    /** Which kind of key {@code der} is; fails for keys the IC does not accept from users. */
    public PublicKeyKind kindOf(byte[] der) throws InvalidSignatureException {
        return parse(der).kind();
    }

    /** Verifies {@code signature} over {@code message} (domain separator included) by {@code der}. */
    public void verify(byte[] der, byte[] message, byte[] signature) throws InvalidSignatureException {
        ParsedKey key = parse(der);
        switch (key.kind()) {
            case ED25519 -> verifyEd25519(key.keyBytes(), message, signature, der);
            case ECDSA_P256 -> verifyEcdsa(P256_DOMAIN, "ECDSA P-256", key.keyBytes(), message, signature, der);
            case ECDSA_SECP256K1 ->
                    verifyEcdsa(SECP256K1_DOMAIN, "ECDSA secp256k1", key.keyBytes(), message, signature, der);
            case WEBAUTHN -> webAuthn.verify(key.keyBytes(), message, signature);
            case CANISTER_SIGNATURE -> verifyCanisterSignature(key.keyBytes(), message, signature);
        }
    }

    private record ParsedKey(PublicKeyKind kind, byte[] keyBytes) {
    }

    private static ParsedKey parse(byte[] der) throws InvalidSignatureException {
        SubjectPublicKeyInfo info;
        try {
            info = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
        } catch (IOException | RuntimeException e) {
            throw InvalidSignatureException.publicKey("the public key is not a DER SubjectPublicKeyInfo: "
                    + HexFormat.of().formatHex(der));
        }
        AlgorithmIdentifier algorithm = info.getAlgorithm();
        ASN1ObjectIdentifier oid = algorithm.getAlgorithm();
        byte[] keyBytes = info.getPublicKeyData().getOctets();
        if (oid.equals(ED25519)) {
            if (keyBytes.length != 32) {
                throw InvalidSignatureException.publicKey("an Ed25519 public key has 32 bytes, got " + keyBytes.length);
            }
            return new ParsedKey(PublicKeyKind.ED25519, keyBytes);
        }
        if (oid.equals(EC_PUBLIC_KEY)) {
            if (algorithm.getParameters() instanceof ASN1ObjectIdentifier curve) {
                if (curve.equals(P256)) {
                    return new ParsedKey(PublicKeyKind.ECDSA_P256, keyBytes);
                }
                if (curve.equals(SECP256K1)) {
                    return new ParsedKey(PublicKeyKind.ECDSA_SECP256K1, keyBytes);
                }
                throw InvalidSignatureException.publicKey("ECDSA keys must be on P-256 or secp256k1, got curve "
                        + curve.getId());
            }
            throw InvalidSignatureException.publicKey("ECDSA keys must name their curve (P-256 or secp256k1)");
        }
        if (oid.equals(WEBAUTHN)) {
            return new ParsedKey(PublicKeyKind.WEBAUTHN, keyBytes);
        }
        if (oid.equals(CANISTER_SIGNATURE)) {
            return new ParsedKey(PublicKeyKind.CANISTER_SIGNATURE, keyBytes);
        }
        if (oid.equals(RSA)) {
            throw InvalidSignatureException.basic("RSA signatures are not allowed except in webauthn context");
        }
        if (oid.equals(BLS12_381_G2)) {
            throw InvalidSignatureException.publicKey("BLS12-381 keys are not accepted as user keys");
        }
        throw InvalidSignatureException.publicKey("unsupported public key algorithm " + oid.getId()
                + "; the IC accepts Ed25519, ECDSA P-256, ECDSA secp256k1, WebAuthn and canister signatures");
    }

    private static void verifyEd25519(byte[] key, byte[] message, byte[] signature, byte[] der)
            throws InvalidSignatureException {
        if (signature.length != 64) {
            throw InvalidSignatureException.basic("an Ed25519 signature has 64 bytes, got " + signature.length);
        }
        if (!NodeKeyPair.verify(signature, message, key)) {
            throw InvalidSignatureException.basic(failure("Ed25519", der, signature));
        }
    }

    private static void verifyEcdsa(ECDomainParameters domain, String algorithm, byte[] key, byte[] message,
            byte[] signature, byte[] der) throws InvalidSignatureException {
        ECPoint point;
        try {
            point = domain.getCurve().decodePoint(key).normalize();
            if (!point.isValid()) {
                throw new IllegalArgumentException("not on the curve");
            }
        } catch (RuntimeException e) {
            throw InvalidSignatureException.publicKey("malformed " + algorithm + " public key: " + e.getMessage());
        }
        if (signature.length != 64) {
            throw InvalidSignatureException.basic(algorithm + " signatures are 64 bytes r||s, got "
                    + signature.length + " bytes");
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        BigInteger n = domain.getN();
        if (r.signum() == 0 || s.signum() == 0 || r.compareTo(n) >= 0 || s.compareTo(n) >= 0) {
            throw InvalidSignatureException.basic(failure(algorithm, der, signature));
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(point, domain));
        if (!verifier.verifySignature(sha256(message), r, s)) {
            throw InvalidSignatureException.basic(failure(algorithm, der, signature));
        }
    }

    private void verifyCanisterSignature(byte[] keyBytes, byte[] message, byte[] signature)
            throws InvalidSignatureException {
        if (keyBytes.length < 1 || keyBytes[0] < 0 || keyBytes.length < 1 + keyBytes[0]) {
            throw InvalidSignatureException.publicKey("malformed canister signature public key");
        }
        int idLength = keyBytes[0];
        if (idLength > Principal.MAX_LENGTH) {
            throw InvalidSignatureException.publicKey("the canister id in a canister signature key is too long");
        }
        Principal canister = Principal.of(Arrays.copyOfRange(keyBytes, 1, 1 + idLength));
        byte[] seed = Arrays.copyOfRange(keyBytes, 1 + idLength, keyBytes.length);
        canisterSignatures.verify(canister, seed, message, signature);
    }

    private static String failure(String algorithm, byte[] der, byte[] signature) {
        return algorithm + " signature could not be verified: public key "
                + HexFormat.of().formatHex(der) + ", signature " + HexFormat.of().formatHex(signature);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECDomainParameters domain(String name) {
        X9ECParameters params = CustomNamedCurves.getByName(name);
        return new ECDomainParameters(params.getCurve(), params.getG(), params.getN(), params.getH());
    }
}
