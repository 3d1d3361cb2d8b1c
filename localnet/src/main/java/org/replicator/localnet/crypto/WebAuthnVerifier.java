package org.replicator.localnet.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborInt;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborText;
import org.replicator.localnet.cbor.CborValue;

/**
 * WebAuthn signatures (spec "Web Authentication"): the key is a COSE key (ECDSA P-256 with
 * ES256, or RSA with RS256), the signature a CBOR map of authenticator data, client data JSON and
 * the authenticator's signature over {@code authenticator_data · SHA-256(client_data_json)}.
 * The client data's challenge must be the base64url form of the signed message.
 */
final class WebAuthnVerifier {
    private static final int COSE_KTY = 1;
    private static final int COSE_ALG = 3;
    private static final int KTY_EC2 = 2;
    private static final int KTY_RSA = 3;
    private static final int ALG_ES256 = -7;
    private static final int ALG_RS256 = -257;
    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
    private static final ObjectMapper JSON = new ObjectMapper();

    void verify(byte[] coseKey, byte[] message, byte[] signature) throws InvalidSignatureException {
        CborMap key = map(coseKey, "COSE public key");
        CborMap sig = map(signature, "signature");
        byte[] authenticatorData = bytes(sig, "authenticator_data");
        byte[] clientDataJson = bytesOrText(sig, "client_data_json");
        byte[] innerSignature = bytes(sig, "signature");
        checkChallenge(clientDataJson, message);

        byte[] signed = concat(authenticatorData, RequestSignatureVerifier.sha256(clientDataJson));
        long kty = integer(key, COSE_KTY, "kty");
        long alg = integer(key, COSE_ALG, "alg");
        if (kty == KTY_EC2 && alg == ALG_ES256) {
            verifyEcdsa(key, signed, innerSignature);
        } else if (kty == KTY_RSA && alg == ALG_RS256) {
            verifyRsa(key, signed, innerSignature);
        } else {
            throw InvalidSignatureException.webAuthn("unsupported COSE key type " + kty + " with algorithm " + alg);
        }
    }

    private static void checkChallenge(byte[] clientDataJson, byte[] message) throws InvalidSignatureException {
        JsonNode clientData;
        try {
            clientData = JSON.readTree(clientDataJson);
        } catch (IOException e) {
            throw InvalidSignatureException.webAuthn("client_data_json is not JSON");
        }
        JsonNode challenge = clientData == null ? null : clientData.get("challenge");
        if (challenge == null || !challenge.isTextual()) {
            throw InvalidSignatureException.webAuthn("client_data_json has no challenge");
        }
        byte[] decoded;
        try {
            decoded = Base64.getUrlDecoder().decode(challenge.textValue().replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw InvalidSignatureException.webAuthn("the challenge is not base64url");
        }
        if (!Arrays.equals(decoded, message)) {
            throw InvalidSignatureException.webAuthn("the challenge in client_data_json is not the signed message");
        }
    }

    private static void verifyEcdsa(CborMap key, byte[] signed, byte[] derSignature)
            throws InvalidSignatureException {
        if (integer(key, -1, "crv") != 1) {
            throw InvalidSignatureException.webAuthn("only the P-256 curve is supported for ES256");
        }
        byte[] x = bytes(key, -2, "x");
        byte[] y = bytes(key, -3, "y");
        ECDomainParameters domain = new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(), P256.getH());
        ECPoint point;
        try {
            point = domain.getCurve().createPoint(new BigInteger(1, x), new BigInteger(1, y));
            if (!point.isValid()) {
                throw new IllegalArgumentException("not on the curve");
            }
        } catch (RuntimeException e) {
            throw InvalidSignatureException.webAuthn("malformed P-256 public key: " + e.getMessage());
        }
        BigInteger r;
        BigInteger s;
        try {
            ASN1Sequence sequence = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(derSignature));
            r = ASN1Integer.getInstance(sequence.getObjectAt(0)).getPositiveValue();
            s = ASN1Integer.getInstance(sequence.getObjectAt(1)).getPositiveValue();
        } catch (IOException | RuntimeException e) {
            throw InvalidSignatureException.webAuthn("the ECDSA signature is not DER-encoded");
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(point, domain));
        if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(domain.getN()) >= 0 || s.compareTo(domain.getN()) >= 0
                || !verifier.verifySignature(RequestSignatureVerifier.sha256(signed), r, s)) {
            throw InvalidSignatureException.webAuthn("the ECDSA P-256 signature does not verify");
        }
    }

    private static void verifyRsa(CborMap key, byte[] signed, byte[] signature) throws InvalidSignatureException {
        BigInteger n = new BigInteger(1, bytes(key, -1, "n"));
        BigInteger e = new BigInteger(1, bytes(key, -2, "e"));
        try {
            PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(publicKey);
            verifier.update(signed);
            if (!verifier.verify(signature)) {
                throw InvalidSignatureException.webAuthn("the RSA signature does not verify");
            }
        } catch (GeneralSecurityException ex) {
            throw InvalidSignatureException.webAuthn("the RSA signature does not verify: " + ex.getMessage());
        }
    }

    private static CborMap map(byte[] encoded, String what) throws InvalidSignatureException {
        try {
            if (CborReader.read(encoded) instanceof CborMap m) {
                return m;
            }
        } catch (CborException e) {
            throw InvalidSignatureException.webAuthn("the " + what + " is not CBOR: " + e.getMessage());
        }
        throw InvalidSignatureException.webAuthn("the " + what + " is not a CBOR map");
    }

    private static byte[] bytes(CborMap map, String field) throws InvalidSignatureException {
        if (map.get(field).orElse(null) instanceof CborBytes b) {
            return b.bytes();
        }
        throw InvalidSignatureException.webAuthn("the signature has no byte string `" + field + "`");
    }

    private static byte[] bytesOrText(CborMap map, String field) throws InvalidSignatureException {
        CborValue value = map.get(field).orElse(null);
        if (value instanceof CborBytes b) {
            return b.bytes();
        }
        if (value instanceof CborText t) {
            return t.value().getBytes(StandardCharsets.UTF_8);
        }
        throw InvalidSignatureException.webAuthn("the signature has no `" + field + "`");
    }

    private static byte[] bytes(CborMap key, long label, String name) throws InvalidSignatureException {
        if (key.get(label).orElse(null) instanceof CborBytes b) {
            return b.bytes();
        }
        throw InvalidSignatureException.webAuthn("the COSE key has no `" + name + "`");
    }

    private static long integer(CborMap key, long label, String name) throws InvalidSignatureException {
        if (key.get(label).orElse(null) instanceof CborInt i) {
            return i.value().longValue();
        }
        throw InvalidSignatureException.webAuthn("the COSE key has no `" + name + "`");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
