package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.cli.Replicator;
import org.replicator.coordinator.http.ApiSigner;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.localnet.ids.Principal;

/**
 * The users API of a running `replicator serve` against the localnet: the operator deposits with
 * the admin token, the user asks for a backup canister of the demo app signing with their own key,
 * and gets one they control, on their schedule, its creation charged to their account.
 */
class UsersApiEndToEndTest extends WorldTest {
    private static final String TOKEN = "e2e-admin-token-5f1c9a";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SERVING = Pattern.compile("serving (http://\\S+/)api/canisters");
    private static Principal app;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void demoApp() {
        app = world.demoApp(1, 71);
    }

    @Test
    void aUserSigningWithTheirKeyGetsABackupCanisterTheyControlChargedToTheirDeposit() throws Exception {
        ok(cli("canister", "add", app.toString(), "--name", "demo"));
        ok(cli("canister", "allow-users", "demo"));
        ApiSigner user = new ApiSigner(Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")));
        Path token = Files.createTempFile("admin-token", "");
        Files.writeString(token, TOKEN + "\n");
        Path log = Files.createTempFile("replicator-serve-", ".log");
        Process serve = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Replicator.class.getName(),
                "serve", "--port", "0", "--no-scheduler", "--admin-token-file", token.toString(),
                "--jdbc-url", db.jdbcUrl(), "--db-user", db.user(), "--network", world.url.toString(),
                "--identity", world.pem.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            URI base = awaitServing(log);
            String users = "api/users/" + user.principal().text();

            HttpResponse<String> deposit = send(base, "POST", users + "/deposits",
                    "{\"cycles\": \"10000000000000\", \"reference\": \"wire-7\"}", "Bearer " + TOKEN);
            assertEquals(201, deposit.statusCode(), deposit.body());

            String request = "{\"canister\": \"demo\", \"every\": \"6h\", \"full_every\": \"7d\", \"keep_last\": 2}";
            HttpResponse<String> created = send(base, "POST", users + "/backups", request,
                    user.authorization("POST", ApiSigner.pathAndQuery(base.resolve(users + "/backups")),
                            request.getBytes(StandardCharsets.UTF_8)));
            assertEquals(201, created.statusCode(), created.body());
            JsonNode backup = JSON.readTree(created.body());
            PrincipalId replica = PrincipalId.parse(backup.get("replica").asText());
            assertEquals(app.toString(), backup.get("canister").asText());
            assertEquals("active", backup.get("state").asText());
            assertEquals("PT6H", backup.get("schedule").get("every").asText());
            assertEquals(2, backup.get("schedule").get("keep_last").asInt());

            assertTrue(world.gateway.canisterStatus(replica).controllers().contains(user.principal()),
                    "the user controls their backup canister");
            assertEquals(user.principal().text(), scalar(db, "SELECT owner_principal FROM replicas WHERE replica_id = '"
                    + replica + "'"));
            assertEquals(1L, scalar(db, "SELECT count(*) FROM qrtz_triggers WHERE trigger_group = 'user-replication'"
                    + " AND trigger_name = '" + replica + "'"), "their schedule is in the cluster's tables");

            String path = users + "/statement";
            HttpResponse<String> statement = send(base, "GET", path, "",
                    user.authorization("GET", ApiSigner.pathAndQuery(base.resolve(path)), new byte[0]));
            assertEquals(200, statement.statusCode(), statement.body());
            JsonNode entries = JSON.readTree(statement.body()).get("entries");
            assertEquals(List.of("deposit", "creation"), List.of(entries.get(0).get("kind").asText(),
                    entries.get(1).get("kind").asText()));
            assertEquals(replica.text(), entries.get(1).get("replica").asText());
            var charged = big(scalar(db, "SELECT amount FROM user_ledger WHERE kind = 'creation'"));
            assertTrue(charged.signum() > 0, "the creation was measured and charged: " + charged);
            assertEquals(new java.math.BigInteger("10000000000000").subtract(charged).toString(),
                    JSON.readTree(statement.body()).get("closing").asText());

            String detachPath = users + "/backups/" + replica + "/detach";
            HttpResponse<String> detached = send(base, "POST", detachPath, "",
                    user.authorization("POST", ApiSigner.pathAndQuery(base.resolve(detachPath)), new byte[0]));
            assertEquals(200, detached.statusCode(), detached.body());
            assertEquals("detached", JSON.readTree(detached.body()).get("state").asText());
            assertTrue(new java.math.BigInteger(JSON.readTree(detached.body()).get("charged").asText()).signum() > 0,
                    "the cycles it held are charged: " + detached.body());
            try (var asUser = org.replicator.coordinator.agent.IcGateway.connect(
                    org.replicator.coordinator.agent.Network.parse(world.url.toString()),
                    Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")), Duration.ofSeconds(60))) {
                assertEquals(List.of(user.principal()), asUser.canisterStatus(replica).controllers(),
                        "after the detach the user alone controls it");
            }
        } finally {
            serve.destroy();
            if (!serve.waitFor(30, TimeUnit.SECONDS)) {
                serve.destroyForcibly();
            }
        }
    }

    private static URI awaitServing(Path log) {
        URI[] found = new URI[1];
        RecordingProgress.await("replicator serve listens", Duration.ofMinutes(2), () -> {
            try {
                Matcher m = SERVING.matcher(Files.readString(log));
                if (m.find()) {
                    found[0] = URI.create(m.group(1));
                    return true;
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        return found[0];
    }

    private HttpResponse<String> send(URI base, String method, String path, String body, String authorization)
            throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", authorization)
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
