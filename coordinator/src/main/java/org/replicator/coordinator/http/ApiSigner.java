package org.replicator.coordinator.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.ic4j.agent.identity.Signature;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentityException;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Signs requests to the users API with a user's IC identity (Ed25519 or secp256k1), producing the
 * {@code Authorization: Replicator-Signature key=…, time=…, signature=…} header that
 * {@link RequestAuthenticator} checks. The signed bytes are {@link #message}.
 */
public final class ApiSigner {
    public static final String SCHEME = "Replicator-Signature";
    static final String DOMAIN = "replicator-api-v1";

    private final LoadedIdentity identity;
    private final Clock clock;
    // the server refuses a signature it has seen; Ed25519 is deterministic, so two identical
    // requests signed in the same millisecond would be one signature
    private final AtomicLong lastTime = new AtomicLong();

    public ApiSigner(LoadedIdentity identity, Clock clock) {
        if (identity.kind().equals("anonymous")) {
            throw new IdentityException("the anonymous identity cannot sign API requests; pass an Ed25519 or secp256k1"
                    + " identity PEM");
        }
        this.identity = identity;
        this.clock = clock;
    }

    public ApiSigner(LoadedIdentity identity) {
        this(identity, Clock.systemUTC());
    }

    public static ApiSigner fromPemFile(Path pem) {
        return new ApiSigner(Identities.fromPemFile(pem));
    }

    public PrincipalId principal() {
        return identity.principal();
    }

    /** The Authorization header value for this request, signed now. */
    public String authorization(String method, URI uri, byte[] body) {
        return authorization(method, pathAndQuery(uri), body);
    }

    /** The Authorization header value for a request to {@code rawPathAndQuery} (as sent: percent-encoded), signed now. */
    public String authorization(String method, String rawPathAndQuery, byte[] body) {
        long now = clock.millis();
        long time = lastTime.updateAndGet(last -> Math.max(now, last + 1));
        return authorizationAt(method, rawPathAndQuery, body, time);
    }

    /** The header as signed at {@code time} (unix millis); for tests of the clock window. */
    public String authorizationAt(String method, String rawPathAndQuery, byte[] body, long time) {
        Signature s = identity.identity().sign(message(method, rawPathAndQuery, time, body));
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME + " key=" + b64.encodeToString(s.publicKey.orElseThrow()) + ", time=" + time
                + ", signature=" + b64.encodeToString(s.signature.orElseThrow());
    }

    /** The raw path and query of a URI, as the server sees it on the request line. */
    public static String pathAndQuery(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    /**
     * The bytes signed: UTF-8 of {@code "replicator-api-v1\n" + METHOD + "\n" + rawPathAndQuery + "\n" + time + "\n"
     * + hex(sha256(body))}. The domain prefix keeps these signatures from being valid as anything else.
     */
    public static byte[] message(String method, String rawPathAndQuery, long time, byte[] body) {
        return (DOMAIN + "\n" + method + "\n" + rawPathAndQuery + "\n" + time + "\n" + HexFormat.of().formatHex(sha256(body)))
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
