package org.replicator.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import picocli.CommandLine;

/** The replicator command run in-process, as a user would, against real PostgreSQL and a localnet. */
class CliEndToEndTest {
    private static PostgresForTests postgres;
    private static LocalNet net;
    private static IcClient deployer;
    private static Principal app;
    private static String appHash;
    private DatabaseTarget.External db;

    record Result(int code, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        postgres = PostgresForTests.start();
        net = LocalNet.start(LocalNetConfig.defaults());
        deployer = IcClient.forNet(net);
        app = deployer.deploy(1, TestCanisters.universal());
        appHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(TestCanisters.universal()));
    }

    @AfterAll
    static void stop() {
        deployer.close();
        net.close();
        postgres.close();
    }

    @BeforeEach
    void freshDatabase() {
        db = postgres.freshDatabase();
    }

    @Test
    void initCreatesTheDataDirectoryAndEmbeddedDatabaseAndASecondInitChangesNothing(@TempDir Path tmp) {
        Path dataDir = tmp.resolve("home");
        Result first = run("init", "--data-dir", dataDir.toString());
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("data directory: " + dataDir.toAbsolutePath()), first.out());
        assertTrue(first.out().contains("schema: empty -> version 7"), first.out());
        assertTrue(dataDir.resolve("postgres").resolve("PG_VERSION").toFile().isFile());

        Result second = run("init", "--data-dir", dataDir.toString());
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("already up to date"), second.out());

        Result list = run("canister", "list", "--data-dir", dataDir.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("no protected canisters"), list.out());
    }

    @Test
    void withoutInitAnEmbeddedCommandSaysToRunInit(@TempDir Path tmp) {
        Result r = run("canister", "list", "--data-dir", tmp.resolve("missing").toString());
        assertEquals(ExitCodes.DATABASE, r.code());
        assertTrue(r.err().contains("run `replicator init` first"), r.err());
    }

    @Test
    void aCanisterIsAddedListedAndRemoved() throws Exception {
        assertEquals(0, runDb("init").code());
        Result add = runDb("canister", "add", app.toString(), "--name", "app", "--network", net.url().toString());
        assertEquals(0, add.code(), add.err());
        assertTrue(add.out().contains("protecting " + app + " (app) on subnet " + net.subnet(1).id()), add.out());
        assertTrue(add.out().contains(appHash), add.out());

        Result list = runDb("canister", "list", "--json");
        assertEquals(0, list.code(), list.err());
        JsonNode rows = new ObjectMapper().readTree(list.out());
        assertEquals(1, rows.size());
        assertEquals(app.toString(), rows.get(0).get("id").asText());
        assertEquals("app", rows.get(0).get("name").asText());
        assertEquals(net.subnet(1).id().toString(), rows.get(0).get("subnet").asText());
        assertEquals(appHash, rows.get(0).get("module_hash").asText());
        assertEquals(List.of("canister.add"), auditActions());

        Result remove = runDb("canister", "remove", "app");
        assertEquals(0, remove.code(), remove.err());
        assertTrue(remove.out().contains("no longer protecting " + app), remove.out());
        assertTrue(runDb("canister", "list").out().contains("no protected canisters"));
        assertEquals(List.of("canister.add", "canister.remove"), auditActions());
    }

    @Test
    void addingTheSameCanisterTwiceIsAFailureThatChangesNothing() {
        runDb("init");
        assertEquals(0, runDb("canister", "add", app.toString(), "--network", net.url().toString()).code());
        Result again = runDb("canister", "add", app.toString(), "--network", net.url().toString());
        assertEquals(ExitCodes.FAILURE, again.code());
        assertTrue(again.err().contains("is already protected"), again.err());
        assertEquals(1, count("canisters"));
    }

    @Test
    void removingACanisterThatIsNotProtectedIsAFailure() {
        runDb("init");
        Result r = runDb("canister", "remove", "nope");
        assertEquals(ExitCodes.FAILURE, r.code());
        assertTrue(r.err().contains("no protected canister is called nope"), r.err());
    }

    @Test
    void anUnknownCanisterIsAnIcErrorAndNothingIsWritten() {
        runDb("init");
        Principal never = Principal.canister(2 * LocalNet.CANISTERS_PER_SUBNET + 777);
        Result r = runDb("canister", "add", never.toString(), "--network", net.url().toString());
        assertEquals(ExitCodes.IC, r.code());
        assertTrue(r.err().contains("canister " + never + " does not exist"), r.err());
        assertNothingWritten();
    }

    @Test
    void aMalformedCanisterIdIsAUsageErrorAndNothingIsWritten() {
        runDb("init");
        Result r = runDb("canister", "add", "rrkah-fqaaa-aaaaa-aaaaq-cax", "--network", net.url().toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("is not a principal"), r.err());
        assertNothingWritten();
    }

    @Test
    void anUnreachableNetworkIsAnIcErrorAndNothingIsWritten() throws Exception {
        runDb("init");
        String url = "http://127.0.0.1:" + freePort();
        Result r = runDb("canister", "add", app.toString(), "--network", url);
        assertEquals(ExitCodes.IC, r.code());
        assertTrue(r.err().contains("the IC network at " + url + " is unreachable"), r.err());
        assertNothingWritten();
    }

    @Test
    void aJdbcUrlWhereNoServerListensIsADatabaseErrorNamingTheUrl() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + freePort() + "/replicator";
        Result r = run("canister", "list", "--jdbc-url", url);
        assertEquals(ExitCodes.DATABASE, r.code());
        assertTrue(r.err().contains("cannot connect to PostgreSQL at " + url), r.err());
        assertTrue(r.err().contains("check that the server is running"), r.err());
    }

    @Test
    void aJdbcUrlForAnotherDatabaseKindIsADatabaseError() {
        Result r = run("init", "--jdbc-url", "jdbc:mysql://localhost/replicator");
        assertEquals(ExitCodes.DATABASE, r.code());
        assertTrue(r.err().contains("is not a PostgreSQL JDBC URL"), r.err());
    }

    @Test
    void aMalformedIdentityFileIsAUsageErrorAndNothingIsWritten() throws Exception {
        runDb("init");
        Result r = runDb("canister", "add", app.toString(), "--network", net.url().toString(),
                "--identity", IdentitiesTest.fixture("malformed.pem").toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("malformed.pem is not a valid PEM private key"), r.err());
        assertNothingWritten();
    }

    @Test
    void theAuditLogNamesTheIdentityThatAddedACanister() throws Exception {
        runDb("init");
        Path pem = IdentitiesTest.fixture("ed25519-dfx.pem");
        assertEquals(0, runDb("canister", "add", app.toString(), "--network", net.url().toString(),
                "--identity", pem.toString()).code());
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("SELECT actor FROM audit_events")) {
            rs.next();
            assertEquals(IdentitiesTest.expectedPrincipal("ed25519-dfx"), rs.getString(1));
        }
    }

    @Test
    void everyReportCommandPrintsOneJsonDocumentWithJson() throws Exception {
        // a replicable app (the demo app, empty), controlled by the identity the commands act as
        Path pem = IdentitiesTest.fixture("ed25519-dfx.pem");
        Principal coordinator = Principal.fromText(Identities.fromPemFile(pem).principal().text());
        Principal demo = deployer.createCanister(1);
        deployer.install(demo, CanisterWasm.demoApp().bytes(), "install", new byte[] {'D', 'I', 'D', 'L', 0, 0});
        deployer.setControllers(demo, List.of(deployer.principal(), coordinator));
        String[] as = {"--network", net.url().toString(), "--identity", pem.toString()};
        assertEquals(0, runDb("init").code());
        assertEquals(0, runDb(with(as, "canister", "add", demo.toString(), "--name", "demo")).code());
        Result created = runDb(with(as, "replica", "create", "demo", "--json"));
        assertEquals(0, created.code(), created.err());
        String replica = new ObjectMapper().readTree(created.out()).get("id").asText();

        ObjectMapper json = new ObjectMapper();
        JsonNode replicated = json.readTree(checkJson(runDb(with(as, "replicate", "demo", "--json"))));
        assertEquals("sealed", replicated.get("state").asText());
        assertEquals(demo.toString(), json.readTree(checkJson(runDb("canister", "list", "--json"))).get(0).get("id")
                .asText());
        assertEquals(replica, json.readTree(checkJson(runDb("replica", "list", "--json"))).get(0).get("id").asText());
        JsonNode status = json.readTree(checkJson(runDb("--json", "status")));
        assertEquals(replicated.get("run").asLong(), status.get("last_finished").get(0).get("run").asLong());
        assertEquals(0, status.get("unfinished").size());
        JsonNode generations = json.readTree(checkJson(runDb("generations", "demo", "--json")));
        assertEquals(replicated.get("root").asText(), generations.get(0).get("root").asText());
        JsonNode verify = json.readTree(checkJson(runDb(with(as, "verify", "demo", "--json"))));
        assertEquals("ok", verify.get(0).get("verdict").asText());
        JsonNode costs = json.readTree(checkJson(runDb("costs", "--json")));
        assertEquals(replica, costs.get("runs").get(0).get("replicas").get(0).get("replica").asText());
        assertTrue(costs.get("runs").get(0).get("replicas").get(0).get("measured").isTextual(), costs.toString());
    }

    @Test
    void costsWithoutRunsSaysSoAndBothCsvAndJsonIsAUsageError() {
        assertEquals(0, runDb("init").code());
        Result none = runDb("costs");
        assertEquals(0, none.code(), none.err());
        assertTrue(none.out().contains("no runs yet"), none.out());
        Result both = runDb("costs", "--csv", "--json");
        assertEquals(ExitCodes.USAGE, both.code());
        assertTrue(both.err().contains("choose one"), both.err());
        Result unknown = runDb("costs", "nosuch");
        assertEquals(ExitCodes.FAILURE, unknown.code());
        assertTrue(unknown.err().contains("no protected canister is called nosuch"), unknown.err());
    }

    /** Exit 0 and a stdout that is exactly one JSON document. */
    private static String checkJson(Result r) throws Exception {
        assertEquals(0, r.code(), r.out() + r.err());
        ObjectMapper json = new ObjectMapper();
        try (com.fasterxml.jackson.core.JsonParser p = json.getFactory().createParser(r.out())) {
            json.readTree(p);
            assertEquals(null, p.nextToken(), "nothing after the JSON document: " + r.out());
        }
        return r.out();
    }

    private static String[] with(String[] options, String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(options));
        return all.toArray(String[]::new);
    }

    @Test
    void anUnknownOptionIsAUsageErrorWithAHint() {
        Result r = run("canister", "add", "--frobnicate");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("try: replicator canister add --help"), r.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] command : List.of(new String[] {}, new String[] {"init"}, new String[] {"canister"},
                new String[] {"canister", "add"}, new String[] {"canister", "list"}, new String[] {"canister", "remove"},
                new String[] {"costs"}, new String[] {"localnet"})) {
            List<String> args = new ArrayList<>(List.of(command));
            args.add("--help");
            Result r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().startsWith("Usage: replicator"), r.out());
            assertTrue(r.out().contains("--network"), "global options are shown for " + args);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private Result runDb(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--jdbc-url", db.jdbcUrl(), "--db-user", db.user()));
        return run(all.toArray(String[]::new));
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Replicator.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private void assertNothingWritten() {
        assertEquals(0, count("canisters"));
        assertEquals(0, count("subnets"));
        assertEquals(0, count("audit_events"));
    }

    private long count(String table) {
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> auditActions() throws Exception {
        List<String> actions = new ArrayList<>();
        try (Connection c = connect();
                ResultSet rs = c.createStatement().executeQuery("SELECT action FROM audit_events ORDER BY event_id")) {
            while (rs.next()) {
                actions.add(rs.getString(1));
            }
        }
        return actions;
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), null);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
