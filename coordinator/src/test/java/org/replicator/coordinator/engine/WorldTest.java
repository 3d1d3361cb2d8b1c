package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ic4j.candid.parser.IDLArgs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.localnet.ids.Principal;

/**
 * What the end-to-end tests share: one {@link ReplicationWorld} (localnet, PostgreSQL, identity) per
 * test class, a fresh initialised database per test, and the CLI run against both.
 */
abstract class WorldTest {
    private static final byte[] NO_ARGUMENTS = IDLArgs.create(List.of()).toBytes();

    static ReplicationWorld world;
    DatabaseTarget.External db;

    @BeforeAll
    static void startWorld() throws Exception {
        world = new ReplicationWorld();
    }

    @AfterAll
    static void stopWorld() {
        world.close();
    }

    @BeforeEach
    void freshDatabase() {
        db = world.postgres.freshDatabase();
        ok(cli("init"));
    }

    /** The replicator CLI against this test's database, as the coordinator's identity. */
    CliRunner.Result cli(String... args) {
        return world.cli(db, args);
    }

    /** The demo app's own checksum of its state, by query. */
    static byte[] checksum(Principal app) {
        return Candid.blob(Candid.replyRecord(world.deployer.query(app, "checksum", NO_ARGUMENTS)), "checksum");
    }

    static CliRunner.Result ok(CliRunner.Result r) {
        assertEquals(0, r.code(), "exit code; stdout: " + r.out() + "\nstderr: " + r.err());
        return r;
    }

    static void refused(CliRunner.Result r, String expected) {
        assertNotEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    }
}
