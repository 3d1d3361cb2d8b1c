package org.replicator.coordinator.http;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.ic4j.types.Principal;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Database;

/**
 * Who sent a users-API request: a user, by a signature with their IC identity key over the request
 * ({@link ApiSigner} makes it), or the operator, by the admin token as a bearer token.
 *
 * <p>A user's signature must verify against the key it carries, the principal is the key's
 * self-authenticating principal (the one the IC knows them by), the signing time must be within
 * {@link #MAX_SKEW} of this server's clock, and each signature is accepted once: its hash is kept
 * in {@code api_nonces} for longer than the skew allows it to be valid, so a captured request
 * cannot be sent again.
 */
public final class RequestAuthenticator {
    public static final Duration MAX_SKEW = Duration.ofMinutes(5);
    /** Longer than a signature can be valid (time ± skew), so a replay always finds its row. */
    static final Duration NONCES_KEPT = Duration.ofMinutes(10);
    public static final String ADMIN_TOKEN_HELP = "start `replicator serve --admin-token-file FILE` or set"
            + " REPLICATOR_ADMIN_TOKEN to give the operator a token";

    static {
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            Security.addProvider(new BouncyCastleProvider());
        }
    }

    /** Who a request comes from. */
    public sealed interface Caller permits SignedBy, Operator {
    }

    /** A user, proven by their signature. */
    public record SignedBy(PrincipalId principal) implements Caller {
    }

    /** The operator, proven by the admin token. */
    public record Operator() implements Caller {
    }

    private final Database db;
    private final Optional<byte[]> adminTokenHash;
    private final Clock clock;

    public RequestAuthenticator(Database db, Optional<String> adminToken, Clock clock) {
        this.db = db;
        this.adminTokenHash = adminToken.map(t -> ApiSigner.sha256(t.getBytes(StandardCharsets.UTF_8)));
        this.clock = clock;
    }

    public boolean adminTokenConfigured() {
        return adminTokenHash.isPresent();
    }

    /**
     * The caller of a request, from its Authorization header (null when absent). Refuses with 401 a
     * missing, malformed, wrong, expired or replayed signature, and with 403 a wrong admin token or
     * a bearer token when none is configured.
     */
    public Caller authenticate(String method, String rawPathAndQuery, String authorization, byte[] body) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthenticated("UNAUTHENTICATED", "this request needs an Authorization header: a user signs it ("
                    + ApiSigner.SCHEME + " key=…, time=…, signature=…, see docs/api.md), the operator sends"
                    + " Bearer <admin token>");
        }
        String header = authorization.trim();
        int space = header.indexOf(' ');
        String scheme = space < 0 ? header : header.substring(0, space);
        String rest = space < 0 ? "" : header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return operator(rest);
        }
        if (scheme.equalsIgnoreCase(ApiSigner.SCHEME)) {
            return signed(method, rawPathAndQuery, rest, body);
        }
        throw unauthenticated("BAD_SIGNATURE", "the Authorization scheme '" + scheme + "' is not accepted; use "
                + ApiSigner.SCHEME + " (users) or Bearer (the operator)");
    }

    private Caller operator(String token) {
        if (adminTokenHash.isEmpty()) {
            throw new ApiRefused(403, "NO_ADMIN_TOKEN", "this server has no admin token; " + ADMIN_TOKEN_HELP);
        }
        // compares digests so that neither the bytes nor the length of the token leak through timing
        if (token.isEmpty() || !MessageDigest.isEqual(adminTokenHash.get(),
                ApiSigner.sha256(token.getBytes(StandardCharsets.UTF_8)))) {
            throw new ApiRefused(403, "ADMIN_TOKEN_WRONG", "the bearer token is not this server's admin token");
        }
        return new Operator();
    }

    private Caller signed(String method, String rawPathAndQuery, String fields, byte[] body) {
        Map<String, String> f = fields(fields);
        byte[] der = base64(f.get("key"), "key");
        byte[] signature = base64(f.get("signature"), "signature");
        long time;
        try {
            time = Long.parseLong(f.get("time"));
        } catch (NumberFormatException e) {
            throw unauthenticated("BAD_SIGNATURE", "time=" + f.get("time") + " is not a whole number of unix milliseconds");
        }
        byte[] message = ApiSigner.message(method, rawPathAndQuery, time, body);
        if (!verifies(der, message, signature)) {
            throw unauthenticated("BAD_SIGNATURE", "the signature does not match the request: it must sign \""
                    + ApiSigner.DOMAIN + "\\n" + method + "\\n" + rawPathAndQuery + "\\n" + time
                    + "\\n<hex sha256 of the body>\" with the key given");
        }
        Instant now = clock.instant();
        Instant signedAt = Instant.ofEpochMilli(time);
        if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
            throw unauthenticated("EXPIRED", "the request was signed at " + signedAt + " and this server's clock says "
                    + now + "; a signature is accepted within " + MAX_SKEW.toMinutes() + " minutes of it (sign again,"
                    + " and check the clock)");
        }
        PrincipalId principal = PrincipalId.of(Principal.selfAuthenticating(der));
        remember(signature, principal);
        return new SignedBy(principal);
    }

    private void remember(byte[] signature, PrincipalId principal) {
        byte[] hash = ApiSigner.sha256(signature);
        boolean first = db.inTransaction(tx -> {
            try (PreparedStatement ps = tx.prepareStatement("DELETE FROM api_nonces WHERE seen_at < ?")) {
                ps.setObject(1, clock.instant().minus(NONCES_KEPT).atOffset(java.time.ZoneOffset.UTC));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = tx.prepareStatement("INSERT INTO api_nonces (signature_sha256, principal, seen_at)"
                    + " VALUES (?, ?, ?) ON CONFLICT (signature_sha256) DO NOTHING")) {
                ps.setBytes(1, hash);
                ps.setString(2, principal.text());
                ps.setObject(3, clock.instant().atOffset(java.time.ZoneOffset.UTC));
                return ps.executeUpdate() == 1;
            }
        });
        if (!first) {
            throw unauthenticated("REPLAYED", "this signature was already used; every request is signed afresh");
        }
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> f = new HashMap<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw unauthenticated("BAD_SIGNATURE", "malformed " + ApiSigner.SCHEME + " header: '" + p
                        + "' is not name=value; expected key=<base64 DER public key>, time=<unix millis>,"
                        + " signature=<base64>");
            }
            String name = p.substring(0, eq).trim().toLowerCase();
            if (f.put(name, p.substring(eq + 1).trim()) != null) {
                throw unauthenticated("BAD_SIGNATURE", "malformed " + ApiSigner.SCHEME + " header: " + name
                        + " is given twice");
            }
        }
        for (String required : new String[] {"key", "time", "signature"}) {
            if (!f.containsKey(required)) {
                throw unauthenticated("BAD_SIGNATURE", "malformed " + ApiSigner.SCHEME + " header: " + required
                        + "= is missing; expected key=<base64 DER public key>, time=<unix millis>, signature=<base64>");
            }
        }
        return f;
    }

    private static byte[] base64(String value, String name) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw unauthenticated("BAD_SIGNATURE", name + "= is not base64: " + e.getMessage());
        }
    }

    /** Ed25519, or secp256k1 ECDSA over SHA-256 with the 64-byte r‖s signature the IC uses. */
    private static boolean verifies(byte[] der, byte[] message, byte[] signature) {
        SubjectPublicKeyInfo info;
        try {
            info = SubjectPublicKeyInfo.getInstance(der);
        } catch (RuntimeException e) {
            throw unauthenticated("BAD_SIGNATURE", "key= is not a DER SubjectPublicKeyInfo: " + e.getMessage());
        }
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        try {
            if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
                return verify("Ed25519", null, "Ed25519", der, message, signature);
            }
            if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)
                    && SECObjectIdentifiers.secp256k1.equals(info.getAlgorithm().getParameters())) {
                if (signature.length != 64) {
                    throw unauthenticated("BAD_SIGNATURE", "a secp256k1 signature is 64 bytes (r‖s), not "
                            + signature.length);
                }
                return verify("EC", BouncyCastleProvider.PROVIDER_NAME, "SHA256withPLAIN-ECDSA", der, message, signature);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof ApiRefused r) {
                throw r;
            }
            throw unauthenticated("BAD_SIGNATURE", "key= cannot be used: " + e.getMessage());
        }
        throw unauthenticated("BAD_SIGNATURE", "key= is of algorithm " + algorithm + " "
                + info.getAlgorithm().getParameters() + "; Ed25519 and secp256k1 keys are accepted");
    }

    private static boolean verify(String keyAlgorithm, String provider, String signatureAlgorithm, byte[] der,
            byte[] message, byte[] signature) throws GeneralSecurityException {
        PublicKey key = (provider == null ? KeyFactory.getInstance(keyAlgorithm)
                : KeyFactory.getInstance(keyAlgorithm, provider)).generatePublic(new X509EncodedKeySpec(der));
        Signature v = provider == null ? Signature.getInstance(signatureAlgorithm)
                : Signature.getInstance(signatureAlgorithm, provider);
        v.initVerify(key);
        v.update(message);
        try {
            return v.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private static ApiRefused unauthenticated(String reason, String message) {
        return new ApiRefused(401, reason, message);
    }
}
