package org.replicator.coordinator.agent;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Security;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.jce.interfaces.ECPrivateKey;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECPublicKeySpec;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.ic4j.agent.identity.AnonymousIdentity;
import org.ic4j.agent.identity.BasicIdentity;
import org.ic4j.agent.identity.Identity;
import org.ic4j.agent.identity.Secp256k1Identity;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Identities from the PEM files dfx and icp-cli write: Ed25519 as PKCS#8 "PRIVATE KEY" (with or
 * without the public key), secp256k1 as SEC1 "EC PRIVATE KEY" (with or without a leading "EC
 * PARAMETERS" block) or as PKCS#8. The public key is always derived from the private key, so a file
 * without one works and the principal is the one dfx shows.
 */
public final class Identities {
    static {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }

    private static final JcaPEMKeyConverter CONVERTER = new JcaPEMKeyConverter()
            .setProvider(BouncyCastleProvider.PROVIDER_NAME);

    private Identities() {
    }

    public static LoadedIdentity anonymous() {
        Identity identity = new AnonymousIdentity();
        return new LoadedIdentity(identity, PrincipalId.of(identity.sender()), "anonymous");
    }

    public static LoadedIdentity fromPemFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IdentityException("identity file " + file + " does not exist");
        } catch (IOException e) {
            throw new IdentityException("identity file " + file + " cannot be read: " + e.getMessage(), e);
        }
        return fromPem(text, file.toString());
    }

    /** Parses PEM text; {@code source} names it in error messages. */
    public static LoadedIdentity fromPem(String pem, String source) {
        Object key = firstKeyObject(pem, source);
        try {
            if (key instanceof PEMKeyPair pair) {
                return fromPrivateKeyInfo(pair.getPrivateKeyInfo(), source);
            }
            if (key instanceof PrivateKeyInfo info) {
                return fromPrivateKeyInfo(info, source);
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new IdentityException("identity file " + source + " holds a key that cannot be used: " + e.getMessage(), e);
        }
        if (key instanceof PKCS8EncryptedPrivateKeyInfo || key instanceof PEMEncryptedKeyPair) {
            throw new IdentityException("identity file " + source + " is encrypted; export the key unencrypted "
                    + "(dfx identity export NAME, or icp identity export NAME) and pass that file");
        }
        if (key instanceof SubjectPublicKeyInfo) {
            throw new IdentityException("identity file " + source + " holds only a public key; pass the private key PEM");
        }
        throw new IdentityException("identity file " + source + " holds a " + key.getClass().getSimpleName()
                + ", not a private key");
    }

    private static Object firstKeyObject(String pem, String source) {
        try (Reader reader = new StringReader(pem); PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                // openssl without -noout writes the curve first as an "EC PARAMETERS" block
                if (!(o instanceof ASN1ObjectIdentifier) && !(o instanceof X9ECParameters)) {
                    return o;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IdentityException("identity file " + source + " is not a valid PEM private key: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        throw new IdentityException("identity file " + source + " contains no PEM private key (expected a "
                + "-----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY----- block)");
    }

    private static LoadedIdentity fromPrivateKeyInfo(PrivateKeyInfo info, String source)
            throws GeneralSecurityException, IOException {
        ASN1ObjectIdentifier algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
            return ed25519(info);
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            var parameters = info.getPrivateKeyAlgorithm().getParameters();
            if (parameters instanceof ASN1ObjectIdentifier curve && curve.equals(SECObjectIdentifiers.secp256k1)) {
                return secp256k1(info);
            }
            throw new IdentityException("identity file " + source + " holds an EC key on curve " + parameters
                    + "; the IC identities supported are Ed25519 and secp256k1 (prime256v1 keys are signed by ic4j in a"
                    + " format the IC rejects)");
        }
        throw new IdentityException("identity file " + source + " holds a key of algorithm " + algorithm
                + "; supported are Ed25519 and secp256k1");
    }

    private static LoadedIdentity ed25519(PrivateKeyInfo info) throws GeneralSecurityException, IOException {
        byte[] seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
        byte[] publicKey = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey().getEncoded();
        byte[] spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), publicKey)
                .getEncoded();
        PrivateKey privateKey = CONVERTER.getPrivateKey(info);
        PublicKey pub = KeyFactory.getInstance("Ed25519", BouncyCastleProvider.PROVIDER_NAME)
                .generatePublic(new X509EncodedKeySpec(spki));
        Identity identity = BasicIdentity.fromKeyPair(new KeyPair(pub, privateKey));
        return new LoadedIdentity(identity, PrincipalId.of(identity.sender()), "ed25519");
    }

    private static LoadedIdentity secp256k1(PrivateKeyInfo info) throws GeneralSecurityException, IOException {
        ECPrivateKey privateKey = (ECPrivateKey) CONVERTER.getPrivateKey(info);
        BigInteger d = privateKey.getD();
        ECPoint q = privateKey.getParameters().getG().multiply(d).normalize();
        PublicKey pub = KeyFactory.getInstance("EC", BouncyCastleProvider.PROVIDER_NAME)
                .generatePublic(new ECPublicKeySpec(q, privateKey.getParameters()));
        Identity identity = Secp256k1Identity.fromKeyPair(new KeyPair(pub, (PrivateKey) privateKey));
        return new LoadedIdentity(identity, PrincipalId.of(identity.sender()), "secp256k1");
    }
}
