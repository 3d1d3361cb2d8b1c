package org.replicator.localnet.http;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.localnet.http.TestRequests.EXPIRY;
import static org.replicator.localnet.http.TestRequests.NOW;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.crypto.RequestSignatureVerifier;
import org.replicator.localnet.ids.Principal;

class EnvelopeValidatorTest {
    private final EnvelopeValidator validator = new EnvelopeValidator(new RequestSignatureVerifier());
    private final Principal canister = Principal.canister(7);
    private final TestSigner user = TestSigner.ed25519();

    private CanisterTargets validate(CborMap envelope, RequestKind kind) throws Exception {
        return validator.validate(RequestEnvelope.parse(envelope, kind), NOW);
    }

    private String rejection(CborMap envelope, RequestKind kind) {
        return assertThrows(HttpError.class, () -> validate(envelope, kind)).getMessage();
    }

    @Test
    void acceptsCallsSignedByIc4jEd25519AndSecp256k1Identities() {
        for (TestSigner signer : List.of(TestSigner.ed25519(), TestSigner.secp256k1())) {
            CborMap envelope = signer.envelope(TestRequests.call(signer.principal(), canister, "go", EXPIRY));
            assertDoesNotThrow(() -> validate(envelope, RequestKind.CALL));
        }
    }

    @Test
    void acceptsAnonymousRequestsWithoutAnySignatureField() throws Exception {
        CborMap envelope = TestRequests.anonymous(TestRequests.call(Principal.anonymous(), canister, "go", EXPIRY));
        assertTrue(validate(envelope, RequestKind.CALL).isAll());
    }

    @Test
    void acceptsExpiriesFromNowToFiveAndAHalfMinutesAheadAndNothingElse() {
        long max = NOW + TimeUnit.SECONDS.toNanos(330);
        for (long expiry : new long[] {NOW, max}) {
            assertDoesNotThrow(() -> validate(user.envelope(TestRequests.call(user.principal(), canister, "m", expiry)),
                    RequestKind.CALL));
        }
        for (long expiry : new long[] {NOW - 1, max + 1}) {
            String message = rejection(user.envelope(TestRequests.call(user.principal(), canister, "m", expiry)),
                    RequestKind.CALL);
            assertTrue(message.startsWith("Invalid request expiry: Specified ingress_expiry not within expected range: "
                    + "Minimum allowed expiry: 2023-11-14 22:13:20.000000000 UTC, "
                    + "Maximum allowed expiry: 2023-11-14 22:18:50.000000000 UTC, Provided expiry:        "), message);
        }
    }

    @Test
    void anonymousQueriesAndReadStateSkipTheExpiryCheckButAnonymousCallsDoNot() {
        long expired = NOW - 1;
        assertDoesNotThrow(() -> validate(TestRequests.anonymous(
                TestRequests.query(Principal.anonymous(), canister, "q", expired)), RequestKind.QUERY));
        assertDoesNotThrow(() -> validate(TestRequests.anonymous(
                TestRequests.readState(Principal.anonymous(), expired, List.of(Path.of("time")))),
                RequestKind.READ_STATE));
        assertTrue(rejection(TestRequests.anonymous(TestRequests.call(Principal.anonymous(), canister, "c", expired)),
                RequestKind.CALL).startsWith("Invalid request expiry: "));
        assertTrue(rejection(user.envelope(TestRequests.query(user.principal(), canister, "q", expired)),
                RequestKind.QUERY).startsWith("Invalid request expiry: "));
    }

    @Test
    void refusesATamperedSignature() {
        CborMap content = TestRequests.call(user.principal(), canister, "go", EXPIRY);
        CborMap signedForOther = user.envelope(TestRequests.call(user.principal(), canister, "other", EXPIRY));
        CborMap tampered = CborMap.builder().put("content", content)
                .put("sender_pubkey", user.der())
                .put("sender_sig", signedForOther.get("sender_sig").orElseThrow()).build();
        assertTrue(rejection(tampered, RequestKind.CALL)
                .startsWith("Invalid signature: Invalid basic signature: Ed25519 signature could not be verified"));
    }

    @Test
    void refusesASenderThatIsNotThePublicKeysSelfAuthenticatingId() {
        TestSigner other = TestSigner.ed25519();
        CborMap envelope = user.envelope(TestRequests.call(other.principal(), canister, "go", EXPIRY));
        assertEquals("The user id '" + other.principal() + "' does not match the public key '"
                + HexFormat.of().formatHex(user.der()) + "'", rejection(envelope, RequestKind.CALL));
    }

    @Test
    void refusesMissingSignaturesAndSignaturesOfTheAnonymousUser() {
        CborMap unsigned = TestRequests.anonymous(TestRequests.call(user.principal(), canister, "go", EXPIRY));
        assertEquals("Missing signature from user: " + user.principal(), rejection(unsigned, RequestKind.CALL));
        CborMap signedAnonymous = user.envelope(TestRequests.call(Principal.anonymous(), canister, "go", EXPIRY));
        assertEquals("Signature is not allowed for the anonymous user.", rejection(signedAnonymous, RequestKind.CALL));
    }

    @Test
    void refusesNoncesLongerThan32Bytes() {
        CborMap.Builder content = CborMap.builder();
        TestRequests.call(user.principal(), canister, "go", EXPIRY).entries().forEach(content::put);
        CborMap withLongNonce = content.put("nonce", new byte[33]).build();
        assertEquals("Nonce in request is too big: got 33 bytes, but at most 32 are allowed.",
                rejection(user.envelope(withLongNonce), RequestKind.CALL));
    }

    @Test
    void refusesTooManyOrTooDeepReadStatePaths() {
        List<Path> many = new ArrayList<>(Collections.nCopies(1001, Path.of("time")));
        assertEquals("Too many paths in read state request: got 1001 paths, but at most 1000 are allowed.",
                rejection(user.envelope(TestRequests.readState(user.principal(), EXPIRY, many)), RequestKind.READ_STATE));
        Object[] labels = Collections.nCopies(128, "x").toArray();
        assertEquals("At least one path in read state request is too deep: got 128 labels, but at most 127 are allowed.",
                rejection(user.envelope(TestRequests.readState(user.principal(), EXPIRY, List.of(Path.of(labels)))),
                        RequestKind.READ_STATE));
    }

    @Test
    void acceptsAChainOfDelegationsAndIntersectsTheirTargets() throws Exception {
        TestSigner session = TestSigner.secp256k1();
        TestSigner device = TestSigner.ed25519();
        Principal other = Principal.canister(8);
        Principal third = Principal.canister(9);
        List<CborMap> chain = List.of(
                user.delegateTo(session, EXPIRY, List.of(canister, other)),
                session.delegateTo(device, EXPIRY, List.of(canister, third)));
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), device, chain);
        assertDoesNotThrow(() -> validate(envelope, RequestKind.CALL));

        CborMap toOther = user.envelope(TestRequests.call(user.principal(), other, "go", EXPIRY), device, chain);
        assertEquals("Canister '" + other + "' is not one of the delegation targets.",
                rejection(toOther, RequestKind.CALL));

        CanisterTargets targets = validate(user.envelope(
                TestRequests.readState(user.principal(), EXPIRY, List.of(Path.of("time"))), device, chain),
                RequestKind.READ_STATE);
        assertTrue(targets.contains(canister));
        assertFalse(targets.contains(other));
        assertFalse(targets.contains(third));
    }

    @Test
    void refusesARequestSignedByTheDelegatorInsteadOfTheLastDelegate() {
        TestSigner session = TestSigner.ed25519();
        List<CborMap> chain = List.of(user.delegateTo(session, EXPIRY, null));
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), user, chain);
        assertTrue(rejection(envelope, RequestKind.CALL).startsWith("Invalid signature: Invalid basic signature"));
    }

    @Test
    void refusesADelegationSignedByTheWrongKey() {
        TestSigner session = TestSigner.ed25519();
        TestSigner stranger = TestSigner.ed25519();
        List<CborMap> chain = List.of(stranger.delegateTo(session, EXPIRY, null));
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), session, chain);
        assertTrue(rejection(envelope, RequestKind.CALL).startsWith("Invalid delegation: Invalid basic signature"));
    }

    @Test
    void refusesAnExpiredDelegation() {
        TestSigner session = TestSigner.ed25519();
        List<CborMap> chain = List.of(user.delegateTo(session, NOW - 1, null));
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), session, chain);
        assertEquals("Invalid delegation expiry: Specified sender delegation has expired:\n"
                + "Provided expiry:    2023-11-14 22:13:19.999999999 UTC\n"
                + "Local replica time: 2023-11-14 22:13:20.000000000 UTC", rejection(envelope, RequestKind.CALL));
    }

    @Test
    void refusesAChainThatComesBackToAKeyItAlreadyUsed() {
        TestSigner session = TestSigner.ed25519();
        List<CborMap> chain = List.of(user.delegateTo(session, EXPIRY, null), session.delegateTo(user, EXPIRY, null));
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), user, chain);
        assertEquals("Invalid delegation: Chain of delegations contains at least one cycle: first repeating public key "
                + "encountered " + HexFormat.of().formatHex(user.der()), rejection(envelope, RequestKind.CALL));
    }

    @Test
    void refusesChainsLongerThanTwentyDelegations() {
        List<TestSigner> keys = new ArrayList<>();
        keys.add(user);
        List<CborMap> chain = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            TestSigner next = TestSigner.ed25519();
            chain.add(keys.get(i).delegateTo(next, EXPIRY, null));
            keys.add(next);
        }
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), keys.get(21), chain);
        assertEquals("Invalid delegation: Chain of delegations is too long: got 21 delegations, but at most 20 are allowed.",
                rejection(envelope, RequestKind.CALL));
        CborMap twenty = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), keys.get(20),
                chain.subList(0, 20));
        assertDoesNotThrow(() -> validate(twenty, RequestKind.CALL));
    }

    @Test
    void refusesADelegationWithMoreThanAThousandTargets() {
        TestSigner session = TestSigner.ed25519();
        List<Principal> targets = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            targets.add(Principal.canister(i));
        }
        List<CborMap> chain = List.of(user.delegateTo(session, EXPIRY, targets));
        CborMap envelope = user.envelope(TestRequests.call(user.principal(), canister, "go", EXPIRY), session, chain);
        assertEquals("Invalid delegation: Delegation target error: expected at most 1000 targets per delegation, "
                + "but got 1001", rejection(envelope, RequestKind.CALL));
    }

    @Test
    void parsingRefusesHalfSignedEnvelopesAndTheWrongRequestType() {
        CborMap content = TestRequests.call(user.principal(), canister, "go", EXPIRY);
        CborMap keyOnly = CborMap.builder().put("content", content).put("sender_pubkey", user.der()).build();
        assertThrows(MalformedRequestException.class, () -> RequestEnvelope.parse(keyOnly, RequestKind.CALL));
        MalformedRequestException wrongType = assertThrows(MalformedRequestException.class,
                () -> RequestEnvelope.parse(user.envelope(content), RequestKind.QUERY));
        assertEquals("unknown variant `call`, expected `query`", wrongType.getMessage());
        CborMap noArg = CborMap.builder().put("content", CborMap.builder().put("request_type", "call").build()).build();
        assertThrows(MalformedRequestException.class, () -> RequestEnvelope.parse(noArg, RequestKind.CALL));
    }
}
