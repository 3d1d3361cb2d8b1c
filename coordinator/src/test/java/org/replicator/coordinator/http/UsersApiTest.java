package org.replicator.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.RestartablePostgres;
import org.replicator.coordinator.store.SubnetRepository;
import org.replicator.coordinator.users.Detacher;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserBackups;
import org.replicator.coordinator.users.UserSchedules;

/**
 * The users API through a real server: the operator deposits with the admin token, users read their
 * own account with their signature and nobody else's, and every refusal that needs no canister
 * answers its status and reason. (Creating a backup canister is proven against the localnet in
 * UsersApiEndToEndTest.)
 */
class UsersApiTest {
    private static final String TOKEN = "operator-token-0123456789abcdef";
    private static final PrincipalId SUBNET = PrincipalId.parse("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe");
    private static final PrincipalId APP = PrincipalId.parse("rrkah-fqaaa-aaaaa-aaaaq-cai");
    private static final PrincipalId OTHER_APP = PrincipalId.parse("ryjl3-tyaaa-aaaaa-aaaba-cai");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger NEXT = new AtomicInteger();

    private static RestartablePostgres postgres;
    private Database db;
    private Scheduler scheduler;
    private UserAccounts accounts;
    private StatusServer server;
    private ApiSigner alice;
    private ApiSigner bob;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startPostgres() {
        postgres = RestartablePostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @BeforeEach
    void start() throws Exception {
        db = Database.open(postgres.createDatabase("users_api_" + NEXT.incrementAndGet()));
        db.migrate();
        db.inTransaction(tx -> {
            new SubnetRepository().recordSeen(tx, SUBNET);
            CanisterRepository canisters = new CanisterRepository();
            canisters.add(tx, APP, "demo", SUBNET, null);
            canisters.setUserBackupsAllowed(tx, APP, true);
            canisters.add(tx, OTHER_APP, "closed", SUBNET, null);
            return null;
        });
        scheduler = ScheduledReplication.scheduler(db, () -> {
            throw new IllegalStateException("no IC in this test");
        }, Duration.ofSeconds(15), new RunProgress() { });
        UserSchedules schedules = new UserSchedules(scheduler);
        accounts = new UserAccounts(db, schedules, UserAccounts.DEFAULT_GRACE);
        // every request here is refused before the IC would be reached
        UserBackups backups = new UserBackups(db, null, null, FeeTable.load(), accounts, schedules,
                BigInteger.valueOf(3_000_000_000_000L));
        // and every detach is refused before the IC would be reached
        Detacher detacher = new Detacher(db, null, schedules, accounts);
        UsersApi api = new UsersApi(db, new RequestAuthenticator(db, Optional.of(TOKEN), Clock.systemUTC()), accounts,
                () -> backups, () -> detacher);
        server = StatusServer.start(db, new InetSocketAddress("127.0.0.1", 0), Optional.of(api));
        alice = ApiSigner.fromPemFile(IdentitiesTest.fixture("ed25519-dfx.pem"));
        bob = new ApiSigner(Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        scheduler.shutdown(false);
        db.close();
    }

    @Test
    void theOperatorDepositsOncePerReferenceAndTheUserReadsTheirOwnAccount() throws Exception {
        JsonNode deposit = json(admin("POST", users(alice) + "/deposits",
                "{\"cycles\": \"5000000000000\", \"reference\": \"invoice-1\"}"), 201);
        assertEquals("5000000000000", deposit.get("deposit").get("amount").asText());
        assertEquals("invoice-1", deposit.get("deposit").get("reference").asText());
        assertEquals("5000000000000", deposit.get("account").get("balance").asText());
        JsonNode again = json(admin("POST", users(alice) + "/deposits",
                "{\"cycles\": \"5000000000000\", \"reference\": \"invoice-1\"}"), 200);
        assertTrue(again.get("already_recorded").asBoolean());

        JsonNode own = json(signed(alice, "GET", users(alice), ""), 200);
        assertEquals(alice.principal().text(), own.get("principal").asText());
        assertEquals("5000000000000", own.get("balance").asText(), "credited once");
        assertEquals("active", own.get("status").asText());
        assertEquals(2, own.get("limits").get("max_backups").asInt());
        assertTrue(own.get("deletion_due_at").isNull());
        assertEquals(0, own.get("backups").size());

        JsonNode statement = json(signed(alice, "GET", users(alice) + "/statement", ""), 200);
        assertEquals("0", statement.get("opening").asText());
        assertEquals("5000000000000", statement.get("closing").asText());
        assertEquals("deposit", statement.get("entries").get(0).get("kind").asText());
        String month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
        assertEquals(1, json(admin("GET", users(alice) + "/statement?month=" + month, ""), 200).get("entries").size());
        assertEquals(0, json(admin("GET", users(alice) + "/statement?month=2020-01", ""), 200).get("entries").size());

        JsonNode all = json(admin("GET", "api/users", ""), 200);
        assertEquals(1, all.size());
        assertEquals(alice.principal().text(), all.get(0).get("principal").asText());
    }

    @Test
    void anotherUsersSignatureOrNoneAtAllIsRefused() throws Exception {
        admin("POST", users(alice) + "/deposits", "{\"cycles\": \"1000\"}");
        refused(signed(bob, "GET", users(alice), ""), 403, "NOT_OWNER", "signed by " + bob.principal());
        refused(signed(bob, "GET", users(alice) + "/statement", ""), 403, "NOT_OWNER", "only their own account");
        refused(send("GET", users(alice), "", null), 401, "UNAUTHENTICATED", "needs an Authorization header");
        refused(signed(alice, "GET", "api/users", ""), 403, "NOT_OPERATOR", "only the operator");
        refused(signed(alice, "POST", users(alice) + "/deposits", "{\"cycles\": \"1\"}"), 403, "NOT_OPERATOR",
                "record a deposit");
        refused(send("GET", users(alice), "", "Bearer wrong-token"), 403, "ADMIN_TOKEN_WRONG", "not this server's");
        // a signature is for one request: sent to another path, it does not verify
        String header = alice.authorization("GET", "/" + users(alice) + "/statement", new byte[0]);
        refused(send("GET", users(alice), "", header), 401, "BAD_SIGNATURE", "does not match");
    }

    @Test
    void withoutAnAdminTokenTheOperatorsEndpointsSayHowToConfigureOne() throws Exception {
        server.close();
        UsersApi api = new UsersApi(db, new RequestAuthenticator(db, Optional.empty(), Clock.systemUTC()), accounts,
                () -> {
                    throw new IllegalStateException("not reached");
                }, () -> {
                    throw new IllegalStateException("not reached");
                });
        server = StatusServer.start(db, new InetSocketAddress("127.0.0.1", 0), Optional.of(api));
        refused(send("GET", "api/users", "", "Bearer anything"), 403, "NO_ADMIN_TOKEN", "--admin-token-file");
    }

    @Test
    void malformedDepositsAndQueriesAreRefusedAndCreditNothing() throws Exception {
        refused(admin("POST", users(alice) + "/deposits", "{\"cycles\": "), 400, "INVALID", "not JSON");
        refused(admin("POST", users(alice) + "/deposits", "[1]"), 400, "INVALID", "must be a JSON object");
        refused(admin("POST", users(alice) + "/deposits", "{\"cycles\": \"-5\"}"), 400, "INVALID", "whole number");
        refused(admin("POST", users(alice) + "/deposits", "{\"cycles\": \"0\"}"), 400, "INVALID", "at least 1");
        refused(admin("POST", users(alice) + "/deposits", "{\"cycles\": 1.5}"), 400, "INVALID", "whole number");
        refused(admin("POST", users(alice) + "/deposits", "{}"), 400, "INVALID", "\"cycles\" is required");
        refused(admin("POST", users(alice) + "/deposits", "{\"cycles\": \"5\", \"ref\": \"x\"}"), 400, "INVALID",
                "unknown field \"ref\"");
        refused(admin("POST", "api/users/not-a-principal/deposits", "{\"cycles\": \"5\"}"), 400, "INVALID",
                "is not a principal");
        refused(admin("GET", users(alice), ""), 404, "UNKNOWN_USER", "no account for user");
        admin("POST", users(alice) + "/deposits", "{\"cycles\": 7}");
        refused(admin("GET", users(alice) + "/statement?month=2026-13", ""), 400, "INVALID", "YYYY-MM");
        refused(admin("GET", users(alice) + "/statement?from=2026-01", ""), 400, "INVALID", "unknown query parameter");
        assertEquals("7", json(admin("GET", users(alice), ""), 200).get("balance").asText());
        String big = "{\"cycles\": \"" + "1".repeat(UsersApi.MAX_BODY) + "\"}";
        refused(admin("POST", users(alice) + "/deposits", big), 413, "TOO_LARGE", "over 64 KiB");
    }

    @Test
    void unknownPathsAndMethodsAreRefusedAndTheStatusApiStaysOpen() throws Exception {
        HttpResponse<String> put = admin("PUT", users(alice), "{}");
        refused(put, 405, "METHOD_NOT_ALLOWED", "use GET");
        assertEquals(List.of("GET"), put.headers().allValues("Allow"));
        HttpResponse<String> get = admin("GET", users(alice) + "/backups", "");
        refused(get, 405, "METHOD_NOT_ALLOWED", "use POST");
        refused(admin("GET", users(alice) + "/elsewhere", ""), 404, "NO_SUCH_RESOURCE", "no such resource");
        assertEquals(2, json(send("GET", "api/canisters", "", null), 200).size(), "no credentials needed");
    }

    @Test
    void backupRequestsAreRefusedForACanisterNotOfferingThemOverQuotaOrBalanceOrRate() throws Exception {
        admin("POST", users(alice) + "/deposits", "{\"cycles\": \"1000\"}");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"closed\"}"), 403, "NOT_ALLOWED",
                "allow-users");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"nope\"}"), 404, "UNKNOWN_CANISTER",
                "no protected canister is called nope");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\", \"every\": \"6h\"}"), 402,
                "INSUFFICIENT_BALANCE", "deposit");
        accounts.setLimits(alice.principal(), 0, null, null, "test");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\"}"), 409, "QUOTA",
                "may hold 0");
    }

    @Test
    void aUserOverTheirRequestRateIsToldWhenToRetry() throws Exception {
        admin("POST", users(alice) + "/deposits", "{\"cycles\": \"1000\"}");
        accounts.setLimits(alice.principal(), null, 1, null, "test");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"closed\"}"), 403, "NOT_ALLOWED",
                "allow-users");
        HttpResponse<String> limited = signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\"}");
        refused(limited, 429, "RATE_LIMITED", "may make 1");
        long retry = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retry > 3500 && retry <= 3600, "retry after " + retry + " s");
    }

    @Test
    void malformedBackupRequestsAreRefusedAndCountTowardTheRate() throws Exception {
        admin("POST", users(alice) + "/deposits", "{\"cycles\": \"1000\"}");
        refused(signed(alice, "POST", users(alice) + "/backups", "{}"), 400, "INVALID", "\"canister\" is required");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\", \"every\": \"often\"}"), 400,
                "INVALID", "not a duration");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\", \"keep_last\": 0}"), 400,
                "INVALID", "at least 1");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\", \"subnet\": \"x\"}"), 400,
                "INVALID", "subnet");
        refused(signed(alice, "POST", users(alice) + "/backups",
                "{\"canister\": \"demo\", \"every\": \"1h\", \"cron\": \"0 0 3 * * ?\"}"), 400, "INVALID", "not both");
        refused(signed(alice, "POST", users(alice) + "/backups", "{\"canister\": \"demo\", \"cron\": \"daily\"}"), 400,
                "INVALID", "not a Quartz cron expression");
        refused(admin("POST", users(alice) + "/backups", "{\"canister\": \"demo\"}"), 403, "NOT_OWNER",
                "does not act for users");
        refused(signed(bob, "POST", users(alice) + "/backups", "{\"canister\": \"demo\"}"), 403, "NOT_OWNER",
                "signed by " + bob.principal());
        int counted = db.inTransaction(tx -> new org.replicator.coordinator.store.UserRequests().countSince(tx,
                alice.principal().text(), java.time.Instant.now().minus(Duration.ofHours(1))));
        assertEquals(6, counted, "each of the user's own requests counts, accepted or not");
    }

    @Test
    void detachingWhatIsNotTheUsersBackupIsRefusedAndCounted() throws Exception {
        admin("POST", users(alice) + "/deposits", "{\"cycles\": \"1000\"}");
        refused(signed(alice, "POST", users(alice) + "/backups/" + APP.text() + "/detach", ""), 404, "UNKNOWN_BACKUP",
                "is not a user's backup canister");
        refused(signed(bob, "POST", users(alice) + "/backups/" + APP.text() + "/detach", ""), 403, "NOT_OWNER",
                "signed by " + bob.principal());
        int counted = db.inTransaction(tx -> new org.replicator.coordinator.store.UserRequests().countSince(tx,
                alice.principal().text(), java.time.Instant.now().minus(Duration.ofHours(1))));
        assertEquals(1, counted, "the user's refused detach counts toward their rate limit");
    }

    @Test
    void aDownDatabaseIsA503() throws Exception {
        admin("POST", users(alice) + "/deposits", "{\"cycles\": \"1000\"}");
        postgres.stop();
        try {
            refused(admin("GET", users(alice), ""), 503, "DATABASE_UNAVAILABLE", "PostgreSQL");
            refused(signed(alice, "GET", users(alice), ""), 503, "DATABASE_UNAVAILABLE", "PostgreSQL");
        } finally {
            postgres.startAgain();
        }
        json(admin("GET", users(alice), ""), 200);
    }

    private static String users(ApiSigner user) {
        return "api/users/" + user.principal().text();
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return send(method, path, body, "Bearer " + TOKEN);
    }

    private HttpResponse<String> signed(ApiSigner signer, String method, String path, String body) throws Exception {
        URI uri = server.url().resolve(path);
        return send(method, path, body, signer.authorization(method, uri, body.getBytes(StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path))
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return JSON.readTree(r.body());
    }

    private static void refused(HttpResponse<String> r, int status, String reason, String message) throws Exception {
        JsonNode body = json(r, status);
        assertEquals(reason, body.get("reason").asText(), r.body());
        assertTrue(body.get("error").asText().contains(message), r.body());
    }
}
