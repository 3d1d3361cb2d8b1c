package org.replicator.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.IdentityException;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.PostgresForTests;

/** Users sign API requests with their IC key, the operator sends the admin token; everything else is refused. */
class RequestAuthenticatorTest {
    private static final String PATH = "/api/users/x/backups?dry=1";
    private static final byte[] BODY = "{\"canister\":\"demo\"}".getBytes(StandardCharsets.UTF_8);

    private static PostgresForTests postgres;
    private Database db;
    private MutableClock clock;
    private RequestAuthenticator auth;
    private ApiSigner ed25519;
    private ApiSigner secp256k1;

    @BeforeAll
    static void server() {
        postgres = PostgresForTests.start();
    }

    @AfterAll
    static void stopServer() {
        postgres.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        db = postgres.freshMigratedDatabase();
        clock = new MutableClock(Instant.parse("2026-12-06T02:00:00Z"));
        auth = new RequestAuthenticator(db, Optional.of("s3cret-token"), clock);
        ed25519 = new ApiSigner(Identities.fromPemFile(IdentitiesTest.fixture("ed25519-dfx.pem")), clock);
        secp256k1 = new ApiSigner(Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")), clock);
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void anEd25519SignatureIsAcceptedAsTheKeysSelfAuthenticatingPrincipal() throws Exception {
        var caller = auth.authenticate("POST", PATH, ed25519.authorization("POST", PATH, BODY), BODY);
        assertEquals(new RequestAuthenticator.SignedBy(ed25519.principal()), caller);
        assertEquals(IdentitiesTest.expectedPrincipal("ed25519-dfx"), ed25519.principal().text());
    }

    @Test
    void aSecp256k1SignatureIsAcceptedAsTheKeysSelfAuthenticatingPrincipal() throws Exception {
        var caller = auth.authenticate("GET", PATH, secp256k1.authorization("GET", PATH, new byte[0]), new byte[0]);
        assertEquals(new RequestAuthenticator.SignedBy(secp256k1.principal()), caller);
        assertEquals(IdentitiesTest.expectedPrincipal("secp256k1-sec1"), secp256k1.principal().text());
    }

    @Test
    void aTamperedBodyIsRefusedAsABadSignature() {
        String header = ed25519.authorization("POST", PATH, BODY);
        byte[] other = "{\"canister\":\"other\"}".getBytes(StandardCharsets.UTF_8);
        refused(401, "BAD_SIGNATURE", "does not match the request", () -> auth.authenticate("POST", PATH, header, other));
    }

    @Test
    void aSignatureForAnotherPathOrMethodIsRefused() {
        String header = secp256k1.authorization("POST", PATH, BODY);
        refused(401, "BAD_SIGNATURE", "does not match", () -> auth.authenticate("POST", "/api/users/y/backups", header, BODY));
        refused(401, "BAD_SIGNATURE", "does not match", () -> auth.authenticate("PUT", PATH, header, BODY));
    }

    @Test
    void aSignatureOlderOrNewerThanFiveMinutesIsRefusedAsExpired() {
        long now = clock.millis();
        String old = ed25519.authorizationAt("POST", PATH, BODY, now - Duration.ofMinutes(6).toMillis());
        refused(401, "EXPIRED", "within 5 minutes", () -> auth.authenticate("POST", PATH, old, BODY));
        String future = ed25519.authorizationAt("POST", PATH, BODY, now + Duration.ofMinutes(6).toMillis());
        refused(401, "EXPIRED", "check the clock", () -> auth.authenticate("POST", PATH, future, BODY));
        String skewed = ed25519.authorizationAt("POST", PATH, BODY, now - Duration.ofMinutes(4).toMillis());
        assertInstanceOf(RequestAuthenticator.SignedBy.class, auth.authenticate("POST", PATH, skewed, BODY));
    }

    @Test
    void aReplayedSignatureIsRefusedEvenWithinTheWindow() {
        String header = ed25519.authorization("POST", PATH, BODY);
        auth.authenticate("POST", PATH, header, BODY);
        clock.advance(Duration.ofMinutes(1));
        refused(401, "REPLAYED", "already used", () -> auth.authenticate("POST", PATH, header, BODY));
    }

    @Test
    void twoIdenticalRequestsSignedInTheSameMillisecondAreBothAccepted() {
        auth.authenticate("GET", PATH, ed25519.authorization("GET", PATH, new byte[0]), new byte[0]);
        auth.authenticate("GET", PATH, ed25519.authorization("GET", PATH, new byte[0]), new byte[0]);
    }

    @Test
    void seenSignaturesAreForgottenOnceTheyCanNoLongerBeValid() {
        auth.authenticate("POST", PATH, ed25519.authorization("POST", PATH, BODY), BODY);
        assertEquals(1, nonces());
        clock.advance(Duration.ofMinutes(11));
        auth.authenticate("POST", PATH, ed25519.authorization("POST", PATH, BODY), BODY);
        assertEquals(1, nonces(), "the old row was deleted");
    }

    @Test
    void malformedHeadersAreRefusedSayingWhatIsWrong() {
        refused(401, "UNAUTHENTICATED", "needs an Authorization header", () -> auth.authenticate("GET", PATH, null, BODY));
        refused(401, "BAD_SIGNATURE", "scheme 'Basic' is not accepted",
                () -> auth.authenticate("GET", PATH, "Basic dXNlcjpwdw==", BODY));
        String good = ed25519.authorization("POST", PATH, BODY);
        refused(401, "BAD_SIGNATURE", "time= is missing",
                () -> auth.authenticate("POST", PATH, good.replaceAll(", time=[0-9]+", ""), BODY));
        refused(401, "BAD_SIGNATURE", "is not a whole number",
                () -> auth.authenticate("POST", PATH, good.replaceAll("time=[0-9]+", "time=soon"), BODY));
        refused(401, "BAD_SIGNATURE", "signature= is not base64",
                () -> auth.authenticate("POST", PATH, good.replaceAll("signature=.*", "signature=%%%"), BODY));
        refused(401, "BAD_SIGNATURE", "given twice",
                () -> auth.authenticate("POST", PATH, good + ", time=1", BODY));
        refused(401, "BAD_SIGNATURE", "not name=value",
                () -> auth.authenticate("POST", PATH, good + ", junk", BODY));
        refused(401, "BAD_SIGNATURE", "not a DER SubjectPublicKeyInfo",
                () -> auth.authenticate("POST", PATH, good.replaceAll("key=[^,]*", "key=AAAA"), BODY));
    }

    @Test
    void aKeyOfAnotherAlgorithmIsRefusedNamingTheAcceptedOnes() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair p256 = g.generateKeyPair();
        long time = clock.millis();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(p256.getPrivate());
        s.update(ApiSigner.message("POST", PATH, time, BODY));
        String header = ApiSigner.SCHEME + " key=" + Base64.getEncoder().encodeToString(p256.getPublic().getEncoded())
                + ", time=" + time + ", signature=" + Base64.getEncoder().encodeToString(s.sign());
        refused(401, "BAD_SIGNATURE", "Ed25519 and secp256k1 keys are accepted",
                () -> auth.authenticate("POST", PATH, header, BODY));
    }

    @Test
    void theOperatorIsRecognisedByTheAdminTokenAndAWrongOrUnconfiguredTokenIsRefused() {
        assertEquals(new RequestAuthenticator.Operator(), auth.authenticate("POST", PATH, "Bearer s3cret-token", BODY));
        refused(403, "ADMIN_TOKEN_WRONG", "not this server's admin token",
                () -> auth.authenticate("POST", PATH, "Bearer s3cret-tokeN", BODY));
        refused(403, "ADMIN_TOKEN_WRONG", "not this server's admin token",
                () -> auth.authenticate("POST", PATH, "Bearer", BODY));
        RequestAuthenticator none = new RequestAuthenticator(db, Optional.empty(), clock);
        refused(403, "NO_ADMIN_TOKEN", "--admin-token-file", () -> none.authenticate("POST", PATH, "Bearer x", BODY));
    }

    @Test
    void theAnonymousIdentityCannotSign() {
        IdentityException e = assertThrows(IdentityException.class, () -> new ApiSigner(Identities.anonymous()));
        assertTrue(e.getMessage().contains("anonymous identity cannot sign"), e.getMessage());
    }

    private int nonces() {
        return db.inTransaction(tx -> {
            try (ResultSet rs = tx.createStatement().executeQuery("SELECT count(*) FROM api_nonces")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private static void refused(int status, String reason, String message, Runnable call) {
        ApiRefused e = assertThrows(ApiRefused.class, call::run);
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
