package org.replicator.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.RestartablePostgres;
import org.replicator.coordinator.store.SubnetRepository;

/** `replicator serve`'s read-only HTTP surface: JSON status, the primary lookup, and Prometheus metrics. */
class StatusServerTest {
    private static final PrincipalId SUBNET_A = PrincipalId.parse("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe");
    private static final PrincipalId SUBNET_B = PrincipalId.parse("2vxsx-fae");
    private static final PrincipalId APP = PrincipalId.parse("rrkah-fqaaa-aaaaa-aaaaq-cai");
    private static final PrincipalId REPLICA = PrincipalId.parse("ryjl3-tyaaa-aaaaa-aaaba-cai");
    private static final PrincipalId PROMOTED = PrincipalId.parse("r7inp-6aaaa-aaaaa-aaabq-cai");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RestartablePostgres postgres;
    private Database db;
    private StatusServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        postgres = RestartablePostgres.start();
        db = Database.open(postgres.createDatabase("status"));
        db.migrate();
        db.inTransaction(tx -> {
            new SubnetRepository().recordSeen(tx, SUBNET_A);
            new SubnetRepository().recordSeen(tx, SUBNET_B);
            new CanisterRepository().add(tx, APP, "demo", SUBNET_A, null);
            new ReplicaRepository().insert(tx, REPLICA, APP, SUBNET_B, Replica.Status.ACTIVE, null, null, false);
            return null;
        });
        server = StatusServer.start(db, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
        db.close();
        postgres.close();
    }

    @Test
    void canistersTheirReplicasAndTheirPrimaryAreServedAsJson() throws Exception {
        JsonNode all = json(get("api/canisters"), 200);
        assertEquals(1, all.size());
        JsonNode demo = all.get(0);
        assertEquals(APP.text(), demo.get("canister").asText());
        assertEquals("demo", demo.get("name").asText());
        assertEquals(REPLICA.text(), demo.get("replicas").get(0).get("replica").asText());
        assertEquals(APP.text(), demo.get("primary").get("primary").asText());
        assertTrue(demo.get("latest_run").isNull(), "no run yet");
        assertEquals(APP.text(), json(get("api/canisters/demo/primary"), 200).get("primary").asText(),
                "looked up by name");
    }

    @Test
    void afterAFailoverThePrimaryLookupNamesThePromotedCanisterAndTheMetricsSaySo() throws Exception {
        db.inTransaction(tx -> {
            PromotionRepository promotions = new PromotionRepository();
            var p = promotions.plan(tx, new PromotionRepository.New(APP, REPLICA, null, APP, SUBNET_A, SUBNET_B, false,
                    "subnet down", "tester"));
            promotions.live(tx, p.id(), PROMOTED);
            new CanisterRepository().setLiveCanister(tx, APP, PROMOTED, SUBNET_B);
            return null;
        });
        JsonNode primary = json(get("api/canisters/" + APP.text() + "/primary"), 200);
        assertEquals(PROMOTED.text(), primary.get("primary").asText());
        assertEquals(SUBNET_B.text(), primary.get("subnet").asText());
        assertTrue(primary.get("failed_over").asBoolean());
        assertEquals("live", primary.get("promotion").get("state").asText());

        String metrics = get("metrics").body();
        assertTrue(metrics.contains("replicator_protected_canisters 1"), metrics);
        assertTrue(metrics.contains("replicator_failed_over{canister=\"" + APP.text() + "\",primary=\""
                + PROMOTED.text() + "\"} 1"), metrics);
        assertTrue(metrics.contains("replicator_replicas{canister=\"" + APP.text() + "\",status=\"active\"} 1"),
                metrics);
    }

    @Test
    void unknownCanistersPathsAndMethodsGetAClearErrorAndADownDatabaseA503() throws Exception {
        assertTrue(json(get("api/canisters/nope/primary"), 404).get("error").asText()
                .contains("no protected canister is called nope"));
        assertTrue(json(get("api/runs"), 404).get("error").asText().contains("see /api/canisters"));
        assertTrue(json(get("elsewhere"), 404).get("error").asText().contains("no such resource"));
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.url().resolve("api/canisters"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals(List.of("GET"), post.headers().allValues("Allow"));

        postgres.stop();
        JsonNode down = json(get("api/canisters"), 503);
        assertTrue(down.get("error").asText().contains("PostgreSQL"), down.toString());
        postgres.startAgain();
        json(get("api/canisters"), 200);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(server.url().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JSON.readTree(r.body());
    }
}
