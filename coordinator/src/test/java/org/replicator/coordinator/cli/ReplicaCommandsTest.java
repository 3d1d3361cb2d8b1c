package org.replicator.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;

/** replica and replicate commands refusing bad input with a clear message, an exit code, and nothing written. */
class ReplicaCommandsTest {
    private static PostgresForTests postgres;
    private static LocalNet net;
    private static IcClient deployer;
    private static Path pem;
    private static Principal controlled;
    private static Principal foreign;
    private DatabaseTarget.External db;

    @BeforeAll
    static void start() throws Exception {
        postgres = PostgresForTests.start();
        net = LocalNet.start(LocalNetConfig.defaults());
        deployer = IcClient.forNet(net);
        pem = IdentitiesTest.fixture("ed25519-dfx.pem");
        Principal coordinator = Principal.fromText(Identities.fromPemFile(pem).principal().text());
        controlled = deployer.deploy(1, TestCanisters.universal());
        deployer.setControllers(controlled, List.of(deployer.principal(), coordinator));
        foreign = deployer.deploy(1, TestCanisters.universal());
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
        assertEquals(0, run("init").code());
    }

    @Test
    void aReplicaOnTheSourcesOwnSubnetIsRefusedAndNothingIsCreated() {
        protect(controlled);
        CliEndToEndTest.Result r = run("replica", "create", controlled.toString(), "--subnet", net.subnet(1).id().toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("is the source canister's own subnet") && r.err().contains("--force-same-subnet"),
                r.err());
        assertEquals(0, count("replicas"));
    }

    @Test
    void aCanisterThatDoesNotSpeakTheProtocolGetsNoReplica() {
        protect(controlled);
        CliEndToEndTest.Result r = run("replica", "create", controlled.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("does not speak the replication protocol"), r.err());
        assertEquals(0, count("replicas"));
    }

    @Test
    void aSourceTheIdentityDoesNotControlIsRefusedAsAnIcError() {
        protect(foreign);
        CliEndToEndTest.Result r = run("replica", "create", foreign.toString());
        assertEquals(ExitCodes.IC, r.code(), r.err());
        assertTrue(r.err().contains("is not a controller of canister " + foreign), r.err());
        assertEquals(0, count("replicas"));
    }

    @Test
    void replicatingACanisterWithoutReplicasIsRefusedBeforeAnyRunIsRecorded() {
        protect(controlled);
        CliEndToEndTest.Result r = run("replicate", controlled.toString());
        assertEquals(ExitCodes.FAILURE, r.code(), r.err());
        assertTrue(r.err().contains("has no active replica"), r.err());
        assertEquals(0, count("runs"));
    }

    @Test
    void replicaListAndStatusSayThereIsNothingYet() {
        assertTrue(run("replica", "list").out().contains("no replicas"));
        assertTrue(run("status").out().contains("no unfinished runs"));
    }

    private void protect(Principal canister) {
        CliEndToEndTest.Result add = run("canister", "add", canister.toString());
        assertEquals(0, add.code(), add.err());
    }

    private CliEndToEndTest.Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--jdbc-url", db.jdbcUrl(), "--db-user", db.user(), "--network", net.url().toString(),
                "--identity", pem.toString()));
        return CliEndToEndTest.run(all.toArray(String[]::new));
    }

    private long count(String table) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), null);
                ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
