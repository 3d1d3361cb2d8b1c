package org.replicator.localnet.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.localnet.http.RawIc.cbor;
import static org.replicator.localnet.http.RawIc.leaf;
import static org.replicator.localnet.http.RawIc.leafBytes;
import static org.replicator.localnet.http.RawIc.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.ic4j.candid.types.Label;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.certification.HashTree;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.IcClient.Rejected;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/**
 * The HTTP interface of a running localnet, request by request, against what the interface
 * specification and the replica answer: status codes, reject codes, IC0xxx error codes and texts.
 * Requests are built and signed here and sent over plain HTTP, so that what no agent would send
 * (tampered, stale, replayed, oversized) can be sent too; management calls go through ic4j.
 */
class HttpInterfaceEndToEndTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int MAX_INGRESS_BYTES = 2 * 1024 * 1024;
    /** Subnet 1 is an application subnet: its certificates carry a delegation from the root subnet. */
    private static final int APP_SUBNET = 1;
    private static final int HALTABLE_SUBNET = 2;

    private static LocalNet net;
    private static IcClient owner;
    private static RawIc raw;

    @BeforeAll
    static void start() {
        // The universal canister exports a heartbeat: at the default 500 ms it ran between two reads of
        // a canister's executed-message count whenever the machine was slow, so the tests that count
        // executions (to prove a call ran once, or not at all) keep heartbeats out of their way.
        net = LocalNet.start(LocalNetConfig.defaults().withHeartbeatInterval(java.time.Duration.ofHours(1)));
        owner = IcClient.forNet(net);
        raw = new RawIc(net, TestSigner.ed25519());
    }

    @AfterAll
    static void stop() {
        owner.close();
        net.close();
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Appends one byte to the canister's store and replies with the store: its length counts the executions. */
    private static byte[] increment() {
        return Universal.program().getStore().push("x").concat().setStore().getStore().replyTop().build();
    }

    private static int counter(Principal canister) {
        return owner.query(canister, "query", Universal.program().getStore().replyTop().build()).length;
    }

    private static long executed(Principal canister) {
        return net.control().canister(canister).orElseThrow().messagesExecuted();
    }

    /**
     * Waits until the subnet hosting {@code ecid} has certified {@code id} as terminal, then reads
     * its status through read_state as an agent would.
     */
    private static String awaitTerminal(Principal ecid, RequestId id) {
        try {
            net.subnetOf(ecid).orElseThrow().whenTerminal(id).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("request " + id + " did not finish", e);
        }
        return raw.requestStatus(ecid, id).orElseThrow();
    }

    private static String v2Call(Principal canister) {
        return "/api/v2/canister/" + canister + "/call";
    }

    private static String path(String version, Principal canister, String endpoint) {
        return "/api/" + version + "/canister/" + canister + "/" + endpoint;
    }

    private static Map<Label, Object> statusOf(Principal canister) {
        return owner.status(canister);
    }

    // ---- authentication -------------------------------------------------------------------------

    @Test
    void aTamperedSignatureIsRefusedWith400AndNothingExecutes() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        long executedBefore = executed(c);
        CborMap content = raw.call(c, "update", increment());
        CborMap honest = raw.signer.envelope(content);
        byte[] signature = honest.optionalBytes("sender_sig").orElseThrow();
        signature[10] ^= 0x01;
        CborMap tampered = CborMap.builder().put("content", content).put("sender_pubkey", raw.signer.der())
                .put("sender_sig", signature).build();

        for (String version : List.of("v2", "v3", "v4")) {
            HttpResponse<byte[]> response = raw.post(path(version, c, "call"), TestSigner.encode(tampered));
            assertEquals(400, response.statusCode(), version);
            assertEquals("Invalid signature: Invalid basic signature: Ed25519 signature could not be verified: "
                    + "public key " + HexFormat.of().formatHex(raw.signer.der()) + ", signature "
                    + HexFormat.of().formatHex(signature), text(response), version);
        }
        assertEquals(Optional.empty(), raw.requestStatus(c, RawIc.requestId(content)));
        assertEquals(0, counter(c));
        assertEquals(executedBefore, executed(c));
    }

    @Test
    void anExpiredCallIsRefusedWith400NamingTheAllowedRange() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        long expiry = net.clock().nowNanos() - Duration.ofMinutes(1).toNanos();
        HttpResponse<byte[]> response = raw.post(v2Call(c), raw.call(c, "update", increment(), expiry));
        assertEquals(400, response.statusCode());
        assertTrue(text(response).startsWith("Invalid request expiry: Specified ingress_expiry not within expected "
                + "range: Minimum allowed expiry: "), text(response));
        assertTrue(text(response).endsWith("Provided expiry:        " + IcTime.format(expiry)), text(response));
        assertEquals(0, counter(c));
    }

    @Test
    void aCallExpiringMoreThanFiveMinutesAndThirtySecondsAheadIsRefusedWith400() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        long expiry = net.clock().nowNanos() + Duration.ofMinutes(6).toNanos();
        for (String version : List.of("v2", "v3")) {
            HttpResponse<byte[]> response = raw.post(path(version, c, "call"), raw.call(c, "update", increment(), expiry));
            assertEquals(400, response.statusCode(), version);
            assertTrue(text(response).startsWith("Invalid request expiry: "), text(response));
            assertTrue(text(response).endsWith("Provided expiry:        " + IcTime.format(expiry)), text(response));
        }
        assertEquals(0, counter(c));
    }

    @Test
    void aReplayedCallIsAcceptedAgainButExecutedOnce() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        CborMap content = raw.call(c, "update", increment());
        RequestId id = RawIc.requestId(content);
        byte[] envelope = raw.signed(content);

        assertEquals(202, raw.post(v2Call(c), envelope).statusCode());
        assertEquals("replied", awaitTerminal(c, id));
        long executedOnce = executed(c);

        // The replica answers a duplicate v2 call like the first (202) and its ingress history keeps
        // it from being inducted again.
        HttpResponse<byte[]> replay = raw.post(v2Call(c), envelope);
        assertEquals(202, replay.statusCode());
        assertEquals(0, replay.body().length);
        // A synchronous call whose request id is already certified gets that certificate at once.
        HttpResponse<byte[]> syncReplay = raw.post(path("v3", c, "call"), envelope);
        assertEquals(200, syncReplay.statusCode(), text(syncReplay));
        CborMap body = cbor(syncReplay);
        assertEquals("replied", body.requireText("status"));
        HashTree tree = raw.verified(body.requireBytes("certificate"), c);
        assertEquals("replied", leaf(tree, Path.of("request_status", id, "status")));
        assertEquals("x", new String(leafBytes(tree, Path.of("request_status", id, "reply")), UTF_8));

        assertEquals(1, counter(c));
        assertEquals(executedOnce, executed(c));
    }

    // ---- size limits ----------------------------------------------------------------------------

    private record SignedCall(byte[] envelope, RequestId id) {
    }

    /** A signed call to {@code c} whose whole envelope (what the replica measures) is exactly {@code size} bytes. */
    private static SignedCall envelopeOfSize(Principal c, int size, long expiry) {
        int padding = size - 1024;
        for (int attempt = 0; attempt < 4; attempt++) {
            byte[] arg = Universal.program().push(new byte[padding]).drop().replyWith("big").build();
            CborMap content = raw.call(c, "update", arg, expiry);
            byte[] envelope = raw.signed(content);
            if (envelope.length == size) {
                return new SignedCall(envelope, RawIc.requestId(content));
            }
            padding += size - envelope.length;
        }
        throw new AssertionError("cannot build an envelope of exactly " + size + " bytes");
    }

    @Test
    void aCallOfExactlyTwoMebibytesIsAcceptedAndExecuted() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        SignedCall call = envelopeOfSize(c, MAX_INGRESS_BYTES, raw.validExpiry());
        HttpResponse<byte[]> response = raw.post(path("v3", c, "call"), call.envelope());
        assertEquals(200, response.statusCode(), text(response));
        CborMap body = cbor(response);
        assertEquals("replied", body.requireText("status"), body.toString());
        HashTree tree = raw.verified(body.requireBytes("certificate"), c);
        assertEquals("replied", leaf(tree, Path.of("request_status", call.id(), "status")));
        assertEquals("big", new String(leafBytes(tree, Path.of("request_status", call.id(), "reply")), UTF_8));
    }

    @Test
    void aCallOneByteOverTwoMebibytesIsRefusedWith413() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        long executedBefore = executed(c);
        byte[] envelope = envelopeOfSize(c, MAX_INGRESS_BYTES + 1, raw.validExpiry()).envelope();
        for (String version : List.of("v2", "v3", "v4")) {
            HttpResponse<byte[]> response = raw.post(path(version, c, "call"), envelope);
            assertEquals(413, response.statusCode(), version);
            assertTrue(text(response).matches("Request [0-9a-f]{64} is too large\\. Message byte size "
                    + (MAX_INGRESS_BYTES + 1) + " is larger than the max allowed " + MAX_INGRESS_BYTES + "\\."),
                    text(response));
        }
        assertEquals(executedBefore, executed(c));
    }

    // ---- unknown canisters ----------------------------------------------------------------------

    @Test
    void aCanisterInASubnetsRangeThatWasNeverCreatedIsRejectedWithCode3AndIc0301() throws Exception {
        Principal missing = Principal.canister(APP_SUBNET * LocalNet.CANISTERS_PER_SUBNET + 777_777);
        String message = "Canister " + missing + " not found";

        CborMap v2 = cbor(raw.post(v2Call(missing), raw.call(missing, "update", increment())));
        assertEquals("IC0301", v2.requireText("error_code"));
        assertEquals(3, v2.requireUnsigned("reject_code"));
        assertEquals(message, v2.requireText("reject_message"));

        HttpResponse<byte[]> v3Response = raw.post(path("v3", missing, "call"), raw.call(missing, "update", increment()));
        assertEquals(200, v3Response.statusCode());
        CborMap v3 = cbor(v3Response);
        assertEquals("non_replicated_rejection", v3.requireText("status"));
        assertEquals("IC0301", v3.requireText("error_code"));
        assertEquals(3, v3.requireUnsigned("reject_code"));
        assertEquals(message, v3.requireText("reject_message"));

        for (String version : List.of("v2", "v3")) {
            HttpResponse<byte[]> queried = raw.post(path(version, missing, "query"),
                    raw.query(missing, "query", Universal.program().replyWith("x").build()));
            assertEquals(200, queried.statusCode(), version);
            CborMap query = cbor(queried);
            assertEquals("rejected", query.requireText("status"));
            assertEquals("IC0301", query.requireText("error_code"));
            assertEquals(3, query.requireUnsigned("reject_code"));
            assertEquals(message, query.requireText("reject_message"));
        }

        // read_state answers with a certificate that proves the canister has no module and no controllers.
        HashTree tree = raw.readState("v3", missing, List.of(Path.of("canister", missing, "module_hash"),
                Path.of("canister", missing, "controllers")));
        assertTrue(tree.lookup(Path.of("canister", missing, "module_hash")) instanceof HashTree.Absent);
        assertTrue(tree.lookup(Path.of("canister", missing, "controllers")) instanceof HashTree.Absent);
    }

    @Test
    void aCanisterOutsideEveryRangeIsAnsweredAsTheBoundaryNodeDoes() throws Exception {
        Principal nowhere = Principal.canister(net.subnets().size() * LocalNet.CANISTERS_PER_SUBNET + 5);
        String expected = "error: canister_not_found\ndetails: The specified canister does not exist.";
        for (String version : List.of("v2", "v3", "v4")) {
            HttpResponse<byte[]> response = raw.post(path(version, nowhere, "call"), raw.call(nowhere, "update", increment()));
            assertEquals(400, response.statusCode(), version);
            assertEquals(expected, text(response), version);
        }
        for (String version : List.of("v2", "v3")) {
            HttpResponse<byte[]> query = raw.post(path(version, nowhere, "query"),
                    raw.query(nowhere, "query", new byte[0]));
            assertEquals(400, query.statusCode(), version);
            assertEquals(expected, text(query), version);
            HttpResponse<byte[]> state = raw.post(path(version, nowhere, "read_state"),
                    raw.readState(List.of(Path.of("canister", nowhere, "module_hash"))));
            assertEquals(400, state.statusCode(), version);
            assertEquals(expected, text(state), version);
        }
    }

    // ---- controllers ----------------------------------------------------------------------------

    @Test
    void aNonControllerCannotInstallStopOrReconfigureACanister() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        owner.update(c, "update", increment());
        Object moduleHash = statusOf(c).get(IcClient.label("module_hash"));
        try (IcClient stranger = IcClient.forNet(net)) {
            Rejected install = assertThrows(Rejected.class,
                    () -> stranger.install(c, TestCanisters.universal(), "reinstall", new byte[0]));
            Rejected stop = assertThrows(Rejected.class, () -> stranger.stop(c));
            Rejected settings = assertThrows(Rejected.class,
                    () -> stranger.setControllers(c, List.of(stranger.principal())));
            for (Object[] refusal : new Object[][] {{install, "install_code"}, {stop, "stop_canister"},
                    {settings, "update_settings"}}) {
                Rejected e = (Rejected) refusal[0];
                assertEquals("5", e.code(), e.getMessage());
                assertEquals("IC0512: Only controllers of canister " + c + " can call ic00 method " + refusal[1],
                        e.getMessage());
            }
        }
        // Still installed with its heap (not reinstalled), running (not stopped), and the owner
        // still controls it (the controllers were not replaced).
        assertEquals(1, counter(c));
        assertEquals("xx", new String(owner.update(c, "update", increment()), UTF_8));
        Map<Label, Object> status = statusOf(c);
        assertTrue(moduleHash instanceof Optional<?> o && o.isPresent());
        assertArrayEquals((Object[]) ((Optional<?>) moduleHash).get(),
                (Object[]) ((Optional<?>) status.get(IcClient.label("module_hash"))).get());
    }

    // ---- halted subnets -------------------------------------------------------------------------

    @Test
    void aCallToAHaltedSubnetStaysPendingAndCompletesAfterResume() throws Exception {
        Principal c = owner.deploy(HALTABLE_SUBNET, TestCanisters.universal());
        CborMap content = raw.call(c, "update", increment());
        RequestId id = RawIc.requestId(content);
        net.control().halt(HALTABLE_SUBNET);
        try {
            assertEquals(202, raw.post(v2Call(c), content).statusCode());
            // Not failed: the subnet has not certified anything since, so the request is not
            // (yet) in its certified state at all.
            Optional<String> pending = raw.requestStatus(c, id);
            assertTrue(pending.isEmpty() || pending.get().equals("received"), pending.toString());

            // A halted subnet executes nothing, queries included: the gateway answers 503 like a
            // replica that cannot serve, and agents retry.
            HttpResponse<byte[]> query = raw.post(path("v2", c, "query"),
                    raw.query(c, "query", Universal.program().replyWith("x").build()));
            assertEquals(503, query.statusCode());
            assertEquals("Subnet " + net.subnet(HALTABLE_SUBNET).id() + " is halted and serves no queries.",
                    text(query));
        } finally {
            net.control().resume(HALTABLE_SUBNET);
        }
        assertEquals("replied", awaitTerminal(c, id));
        assertEquals(1, counter(c));
    }

    // ---- routes ---------------------------------------------------------------------------------

    @Test
    void endpointVersionsTheNetworkDoesNotServeAnswer404SoAgentsFallBack() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        CborMap call = raw.call(c, "update", increment());
        for (String route : List.of(path("v5", c, "call"), path("v1", c, "call"), path("v1", c, "query"),
                path("v4", c, "query"), path("v4", c, "read_state"), "/api/v3/status", "/api/v2/canister/" + c)) {
            HttpResponse<byte[]> response = raw.post(route, call);
            assertEquals(404, response.statusCode(), route);
            assertEquals("Endpoint not found.", text(response), route);
        }
        // The same request through the version that is served then executes once.
        assertEquals(202, raw.post(v2Call(c), call).statusCode());
        assertEquals("replied", awaitTerminal(c, RawIc.requestId(call)));
        assertEquals(1, counter(c));
    }

    // ---- certified answers ----------------------------------------------------------------------

    @Test
    void v3AndV4SyncCallsReturnACertificateThatVerifiesWithTheRootKey() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        for (String version : List.of("v3", "v4")) {
            CborMap content = raw.call(c, "update", increment());
            RequestId id = RawIc.requestId(content);
            HttpResponse<byte[]> response = raw.post(path(version, c, "call"), content);
            assertEquals(200, response.statusCode(), text(response));
            CborMap body = cbor(response);
            assertEquals("replied", body.requireText("status"));
            HashTree tree = raw.verified(body.requireBytes("certificate"), c);
            assertEquals("replied", leaf(tree, Path.of("request_status", id, "status")));
            assertTrue(leafBytes(tree, Path.of("request_status", id, "reply")).length > 0);
            assertTrue(tree.lookup(Path.of("time")) instanceof HashTree.Found);
            if (version.equals("v3")) {
                // v3 carries the flat canister ranges that ic4j checks: its own verifier accepts it.
                var certificate = new ObjectMapper(new CBORFactory()).registerModule(new Jdk8Module()).readValue(body.requireBytes("certificate"),
                        org.ic4j.agent.certification.Certificate.class);
                owner.agent().verify(certificate, IcClient.ic4j(c), false);
            }
        }
        assertEquals(2, counter(c));
    }

    @Test
    void v3QueriesAreSignedByTheSubnetsNodeAndV3ReadStateCertifiesTheModuleHash() throws Exception {
        Principal c = owner.deploy(APP_SUBNET, TestCanisters.universal());
        HttpResponse<byte[]> response = raw.post(path("v3", c, "query"),
                raw.query(c, "query", Universal.program().replyWith("from v3").build()));
        assertEquals(200, response.statusCode(), text(response));
        CborMap body = cbor(response);
        assertEquals("replied", body.requireText("status"));
        assertEquals("from v3", new String(body.requireMap("reply").requireBytes("arg"), UTF_8));
        CborArray signatures = body.requireArray("signatures");
        assertEquals(1, signatures.size());
        Principal node = net.subnet(APP_SUBNET).nodeKey().nodeId();
        assertArrayEquals(node.bytes(), ((CborMap) signatures.items().get(0)).requireBytes("identity"));

        HashTree tree = raw.readState("v3", c, List.of(Path.of("canister", c, "module_hash"), Path.of("time")));
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(TestCanisters.universal());
        assertArrayEquals(sha256, leafBytes(tree, Path.of("canister", c, "module_hash")));
        assertFalse(tree.lookup(Path.of("time")) instanceof HashTree.Absent);
    }
}
