package org.replicator.localnet.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.localnet.http.TestRequests.EXPIRY;
import static org.replicator.localnet.http.TestRequests.NOW;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.ic4j.agent.Agent;
import org.ic4j.agent.AgentBuilder;
import org.ic4j.agent.Status;
import org.ic4j.agent.SubnetResponse;
import org.ic4j.agent.http.ReplicaApacheHttpTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.certification.CertificateVerifier;
import org.replicator.localnet.certification.HashTree;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.IngressStatus;

class HttpGatewayTest {
    private final CertifiedStateBackend backend = new CertifiedStateBackend(NOW);
    private final HttpClient client = HttpClient.newHttpClient();
    private final TestSigner owner = TestSigner.ed25519();
    private final TestSigner stranger = TestSigner.ed25519();
    private final Principal rootCanister = Principal.canister(2);
    private final Principal appCanister = Principal.canister((1 << 20) + 1);
    private final RequestId ownersRequest = RequestId.of(new byte[32]);
    private HttpGateway gateway;

    private HttpGateway start(GatewayConfig config) throws Exception {
        gateway = new HttpGateway(backend, config);
        gateway.start();
        return gateway;
    }

    private HttpGateway start() throws Exception {
        backend.publish(builder -> builder.putIngressStatus(ownersRequest, IngressStatus.received(new IngressCall(
                ownersRequest, owner.principal(), appCanister, appCanister, "m", new byte[0], EXPIRY))));
        return start(GatewayConfig.defaults());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop();
        }
    }

    private HttpResponse<byte[]> send(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> post(String path, CborMap envelope) throws Exception {
        return send("POST", path, "application/cbor", TestSigner.encode(envelope));
    }

    private static String text(HttpResponse<byte[]> response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @Test
    void reportsTheEphemeralPortItBoundAndFreesItOnStop() throws Exception {
        start();
        int port = gateway.port();
        assertNotEquals(0, port);
        gateway.stop();
        HttpGateway again = new HttpGateway(backend, GatewayConfig.defaults().withPort(port));
        again.start();
        assertEquals(port, again.port());
        again.stop();
    }

    @Test
    void statusServesTheRootKeyAndHealthBehindTheSelfDescribeTag() throws Exception {
        start();
        HttpResponse<byte[]> response = send("GET", "/api/v2/status", null, null);
        assertEquals(200, response.statusCode());
        assertEquals("application/cbor", response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("d9d9f7", HexFormat.of().formatHex(response.body(), 0, 3));
        CborMap status = (CborMap) CborReader.read(response.body());
        assertArrayEquals(backend.rootKeyDer(), status.requireBytes("root_key"));
        assertEquals("healthy", status.requireText("replica_health_status"));
        assertEquals(1, status.requireUnsigned("certified_height"));
        assertTrue(status.has("impl_version"));
    }

    @Test
    void ic4jFetchesTheRootKeyAndReadsADelegatedSubnetOverHttp() throws Exception {
        start();
        Agent agent = new AgentBuilder()
                .transport(ReplicaApacheHttpTransport.create("http://127.0.0.1:" + gateway.port())).build();
        Status status = agent.status().get();
        assertEquals("healthy", status.replicaHealthStatus.orElseThrow());
        agent.fetchRootKey();
        SubnetResponse subnet = agent.fetchSubnet(org.ic4j.types.Principal.from(backend.app.record.id().bytes()),
                org.ic4j.types.Principal.from(appCanister.bytes())).get();
        assertEquals(1, subnet.subnet.nodeKeys.size());
        agent.close();
    }

    @Test
    void reportsWaitingAndAnswers503UntilTheRootSubnetHasCertifiedAState() throws Exception {
        start(GatewayConfig.defaults());
        CborMap status = (CborMap) CborReader.read(send("GET", "/api/v2/status", null, null).body());
        assertEquals("waiting_for_certified_state", status.requireText("replica_health_status"));
        HttpResponse<byte[]> readState = post("/api/v2/canister/" + rootCanister + "/read_state",
                TestRequests.anonymous(TestRequests.readState(Principal.anonymous(), EXPIRY, List.of(Path.of("time")))));
        assertEquals(503, readState.statusCode());
        assertEquals("Certified state is not available yet. Please try again...", text(readState));
    }

    @Test
    void unknownPathsAnswer404EndpointNotFound() throws Exception {
        start();
        for (String path : List.of("/", "/api/v1/status", "/api/v3/status", "/api/v5/canister/" + rootCanister + "/call",
                "/api/v2/canister/" + rootCanister + "/unknown", "/api/v2/subnet/" + rootCanister + "/query",
                "/api/v2/status/")) {
            HttpResponse<byte[]> response = send("GET", path, null, null);
            assertEquals(404, response.statusCode(), path);
            assertEquals("Endpoint not found.", text(response), path);
            assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
        }
    }

    @Test
    void theWrongMethodOnAKnownPathAnswers405() throws Exception {
        start();
        assertEquals(405, send("GET", "/api/v2/canister/" + rootCanister + "/call", null, null).statusCode());
        assertEquals(405, send("POST", "/api/v2/status", "application/cbor", new byte[0]).statusCode());
    }

    @Test
    void everyResponseAllowsOtherOriginsAndPreflightsSucceedAnywhere() throws Exception {
        start();
        for (String path : List.of("/api/v2/canister/" + rootCanister + "/call", "/no/such/path")) {
            HttpResponse<byte[]> preflight = send("OPTIONS", path, null, null);
            assertEquals(200, preflight.statusCode());
            assertEquals("*", preflight.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow().contains("POST"));
            assertTrue(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()
                    .contains("content-type"));
        }
        assertEquals("*", send("GET", "/nothing", null, null).headers()
                .firstValue("Access-Control-Allow-Origin").orElseThrow());
    }

    @Test
    void refusesBadContentTypesBodiesAndIdsWith400() throws Exception {
        start();
        String call = "/api/v2/canister/" + rootCanister + "/call";
        HttpResponse<byte[]> json = send("POST", call, "application/json", new byte[] {1});
        assertEquals(400, json.statusCode());
        assertEquals("Unexpected content-type, expected application/cbor.", text(json));

        HttpResponse<byte[]> garbage = send("POST", call, "application/cbor", new byte[] {(byte) 0xff, 1});
        assertEquals(400, garbage.statusCode());
        assertTrue(text(garbage).startsWith("Failed to deserialize cbor request: "));

        HttpResponse<byte[]> notACall = post(call, CborMap.builder().put("content", CborMap.empty()).build());
        assertEquals(400, notACall.statusCode());
        assertTrue(text(notACall).startsWith("Could not parse body as call message: "));

        HttpResponse<byte[]> badId = send("POST", "/api/v2/canister/not-a-principal/call", "application/cbor",
                new byte[] {(byte) 0xa0});
        assertEquals(400, badId.statusCode());
    }

    @Test
    void refusesACallWhoseCanisterIsNotTheEffectiveCanister() throws Exception {
        start();
        HttpResponse<byte[]> response = post("/api/v3/canister/" + rootCanister + "/call",
                owner.envelope(TestRequests.call(owner.principal(), appCanister, "go", EXPIRY)));
        assertEquals(400, response.statusCode());
        assertEquals("Specified CanisterId " + appCanister + " does not match effective canister id in URL "
                + rootCanister, text(response));
    }

    @Test
    void refusesOversizedBodiesAndOversizedIngressMessagesWith413() throws Exception {
        backend.publish(builder -> { });
        start(GatewayConfig.defaults().withLimits(4096, 512));
        HttpResponse<byte[]> huge = send("POST", "/api/v2/canister/" + rootCanister + "/query", "application/cbor",
                new byte[5000]);
        assertEquals(413, huge.statusCode());

        CborMap content = CborMap.builder().put("request_type", "call").put("sender", owner.principal().bytes())
                .putUnsigned("ingress_expiry", EXPIRY).put("canister_id", rootCanister.bytes())
                .put("method_name", "upload").put("arg", new byte[1000]).build();
        HttpResponse<byte[]> large = post("/api/v4/canister/" + rootCanister + "/call", owner.envelope(content));
        assertEquals(413, large.statusCode());
        assertTrue(text(large).matches("Request [0-9a-f]{64} is too large\\. Message byte size \\d+ is larger than "
                + "the max allowed 512\\."), text(large));
    }

    @Test
    void refusesExpiredAndBadlySignedCallsBeforeReachingTheSubnet() throws Exception {
        start();
        HttpResponse<byte[]> expired = post("/api/v2/canister/" + rootCanister + "/call",
                owner.envelope(TestRequests.call(owner.principal(), rootCanister, "go", NOW - 1)));
        assertEquals(400, expired.statusCode());
        assertTrue(text(expired).startsWith("Invalid request expiry: "));

        HttpResponse<byte[]> tooFar = post("/api/v3/canister/" + rootCanister + "/call",
                owner.envelope(TestRequests.call(owner.principal(), rootCanister, "go", NOW + 400_000_000_000L)));
        assertEquals(400, tooFar.statusCode());
        assertTrue(text(tooFar).startsWith("Invalid request expiry: "));

        CborMap forgedContent = TestRequests.call(owner.principal(), rootCanister, "go", EXPIRY);
        CborMap forged = CborMap.builder().put("content", forgedContent).put("sender_pubkey", owner.der())
                .put("sender_sig", stranger.sign(new byte[] {1})).build();
        HttpResponse<byte[]> badSignature = post("/api/v2/canister/" + rootCanister + "/call", forged);
        assertEquals(400, badSignature.statusCode());
        assertTrue(text(badSignature).startsWith("Invalid signature: "));

        HttpResponse<byte[]> badQuery = post("/api/v2/canister/" + rootCanister + "/query",
                owner.envelope(TestRequests.query(owner.principal(), rootCanister, "q", NOW - 1)));
        assertEquals(400, badQuery.statusCode());
    }

    @Test
    void idsOutsideEveryRangeAreAnsweredAsTheBoundaryNodeAnswersThem() throws Exception {
        start();
        Principal nowhere = Principal.canister(5L << 20);
        for (String endpoint : List.of("/api/v2/canister/" + nowhere + "/call", "/api/v4/canister/" + nowhere + "/call")) {
            HttpResponse<byte[]> call = post(endpoint,
                    TestRequests.anonymous(TestRequests.call(Principal.anonymous(), nowhere, "go", EXPIRY)));
            assertEquals(400, call.statusCode(), endpoint);
            assertEquals("error: canister_not_found\ndetails: The specified canister does not exist.", text(call));
        }
        Principal noSubnet = Principal.selfAuthenticating(stranger.der());
        HttpResponse<byte[]> create = post("/api/v4/subnet/" + noSubnet + "/call", TestRequests.anonymous(
                TestRequests.call(Principal.anonymous(), Principal.managementCanister(),
                        "provisional_create_canister_with_cycles", EXPIRY)));
        assertEquals(400, create.statusCode());
        assertEquals("error: subnet_not_found\ndetails: The specified subnet cannot be found.", text(create));
    }

    @Test
    void theSubnetEndpointsOnlyCreateCanistersAndQueryTheManagementCanister() throws Exception {
        start();
        Principal subnet = backend.app.record.id();
        HttpResponse<byte[]> install = post("/api/v4/subnet/" + subnet + "/call", TestRequests.anonymous(
                TestRequests.call(Principal.anonymous(), Principal.managementCanister(), "install_code", EXPIRY)));
        assertEquals(400, install.statusCode());
        HttpResponse<byte[]> query = post("/api/v3/subnet/" + subnet + "/query", TestRequests.anonymous(
                TestRequests.query(Principal.anonymous(), appCanister, "q", EXPIRY)));
        assertEquals(400, query.statusCode());
    }

    @Test
    void aHaltedSubnetServesNoQueries() throws Exception {
        start();
        backend.root.halted = true;
        HttpResponse<byte[]> response = post("/api/v2/canister/" + rootCanister + "/query",
                TestRequests.anonymous(TestRequests.query(Principal.anonymous(), rootCanister, "q", EXPIRY)));
        assertEquals(503, response.statusCode());
    }

    @Test
    void readStateCertifiesTheRequestedPathsWithTheDelegationOfTheVersion() throws Exception {
        start();
        CertificateVerifier verifier = new CertificateVerifier(backend.rootKeyDer());
        for (String version : List.of("v2", "v3")) {
            HttpResponse<byte[]> response = post("/api/" + version + "/canister/" + appCanister + "/read_state",
                    owner.envelope(TestRequests.readState(owner.principal(), EXPIRY,
                            List.of(Path.of("request_status", ownersRequest)))));
            assertEquals(200, response.statusCode(), text(response));
            CborMap body = (CborMap) CborReader.read(response.body());
            assertEquals(1, body.size(), "ic4j accepts no other key than certificate");
            HashTree tree = verifier.verify(body.requireBytes("certificate"), appCanister);
            assertEquals("received", new String(((HashTree.Found) tree.lookup(
                    Path.of("request_status", ownersRequest, "status"))).value(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aRequestStatusBelongsToItsSender() throws Exception {
        start();
        HttpResponse<byte[]> response = post("/api/v2/canister/" + appCanister + "/read_state",
                stranger.envelope(TestRequests.readState(stranger.principal(), EXPIRY,
                        List.of(Path.of("request_status", ownersRequest, "status")))));
        assertEquals(403, response.statusCode());
        assertEquals("The user tries to access Request ID not signed by the caller.", text(response));
    }

    @Test
    void readStateRefusesPathsTheSenderMayNotAskFor() throws Exception {
        start();
        String url = "/api/v2/canister/" + appCanister + "/read_state";
        HttpResponse<byte[]> certifiedData = post(url, TestRequests.anonymous(TestRequests.readState(
                Principal.anonymous(), EXPIRY, List.of(Path.of("canister", appCanister, "certified_data")))));
        assertEquals(404, certifiedData.statusCode());
        assertEquals("Invalid path requested.", text(certifiedData));

        HttpResponse<byte[]> otherCanister = post(url, TestRequests.anonymous(TestRequests.readState(
                Principal.anonymous(), EXPIRY, List.of(Path.of("canister", rootCanister, "controllers")))));
        assertEquals(400, otherCanister.statusCode());
        assertEquals("Effective principal id in URL " + appCanister + " does not match requested principal id: "
                + rootCanister + ".", text(otherCanister));

        HttpResponse<byte[]> shortId = post(url, TestRequests.anonymous(TestRequests.readState(
                Principal.anonymous(), EXPIRY, List.of(Path.of("request_status", new byte[31])))));
        assertEquals(400, shortId.statusCode());

        Path appRanges = Path.of("subnet", backend.app.record.id(), "canister_ranges");
        HttpResponse<byte[]> v3Ranges = post("/api/v3/canister/" + appCanister + "/read_state",
                TestRequests.anonymous(TestRequests.readState(Principal.anonymous(), EXPIRY, List.of(appRanges))));
        assertEquals(404, v3Ranges.statusCode(), "v3 serves only the root subnet's flat ranges");
        HttpResponse<byte[]> v2Ranges = post(url,
                TestRequests.anonymous(TestRequests.readState(Principal.anonymous(), EXPIRY, List.of(appRanges))));
        assertEquals(200, v2Ranges.statusCode());
    }

    @Test
    void v3ReadStatePrunesOtherSubnetsFlatRangesButV2ShowsThem() throws Exception {
        start();
        CertificateVerifier verifier = new CertificateVerifier(backend.rootKeyDer());
        Path ranges = Path.of("subnet", backend.app.record.id(), "canister_ranges");
        for (String version : List.of("v2", "v3")) {
            HttpResponse<byte[]> response = post("/api/" + version + "/subnet/" + backend.app.record.id()
                    + "/read_state", TestRequests.anonymous(TestRequests.readState(Principal.anonymous(), EXPIRY,
                    List.of(Path.of("subnet")))));
            assertEquals(200, response.statusCode(), text(response));
            HashTree tree = verifier.verify(((CborMap) CborReader.read(response.body())).requireBytes("certificate"),
                    null);
            Class<? extends HashTree.Lookup> expected =
                    version.equals("v2") ? HashTree.Found.class : HashTree.Unknown.class;
            assertInstanceOf(expected, tree.lookup(ranges), version);
        }
    }
}
