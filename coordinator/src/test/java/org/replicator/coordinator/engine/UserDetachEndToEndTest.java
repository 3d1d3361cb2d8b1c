package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.execute;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.NotAControllerException;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Run;

/**
 * {@code replicator user detach}: the user takes their backup canister. Afterwards the coordinator
 * can neither manage it nor call it, the user alone controls it and still reads their generations;
 * a balance that cannot cover the canister's cycles refuses it before anything changes, and a
 * detach that stopped part-way is completed by running it again, charged once.
 */
class UserDetachEndToEndTest extends WorldTest {
    private static final String FIXTURE = "secp256k1-sec1.pem";

    @Test
    void afterDetachTheUserAloneControlsTheCanisterAndStillReadsItsGenerations() throws Exception {
        PrincipalId user = userId();
        PrincipalId replica = backupWithOneGeneration(user, 71);
        BigInteger balance = big(scalar(db, "SELECT sum(CASE WHEN kind = 'deposit' THEN amount ELSE -amount END)"
                + " FROM user_ledger"));
        // spend the account down to 100 cycles: less than the canister holds
        execute(db, "INSERT INTO user_ledger (principal, kind, amount, replica_id, note) VALUES ('" + user + "',"
                + " 'creation', " + balance.subtract(BigInteger.valueOf(100)) + ", '" + replica + "', 'test: spent')");
        CliRunner.Result poor = cli("user", "detach", replica.text(), "--user", user.text());
        assertEquals(ExitCodes.FAILURE, poor.code(), poor.out() + poor.err());
        assertTrue(poor.err().contains("which detaching charges to the account") && poor.err().contains("has 100"),
                poor.err());
        assertEquals("active", scalar(db, "SELECT state FROM user_backups"), "nothing changed");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM user_ledger WHERE kind = 'detach'"));
        assertTrue(world.gateway.canisterStatus(replica).controllers().contains(world.gateway.caller()),
                "the coordinator is still a controller");

        ok(cli("user", "deposit", user.text(), "--cycles", "5000000000000"));
        CliRunner.Result detached = ok(cli("user", "detach", replica.text(), "--user", user.text()));
        assertTrue(detached.out().contains("is " + user + "'s alone now"), detached.out());
        assertDetached(user, replica);

        CliRunner.Result again = ok(cli("user", "detach", replica.text(), "--user", user.text()));
        assertTrue(again.out().contains("is " + user + "'s alone now"), again.out());
        assertEquals(1L, scalar(db, "SELECT count(*) FROM user_ledger WHERE kind = 'detach'"), "charged once");
        assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'user.detach'"));
    }

    @Test
    void aDetachThatStoppedAfterTheChargeAndTheCoordinatorListIsCompletedByRunningItAgain() throws Exception {
        PrincipalId user = userId();
        PrincipalId replica = backupWithOneGeneration(user, 72);
        // as if a detach had charged and handed over the canister's own list, then lost the IC
        execute(db, "INSERT INTO user_ledger (principal, kind, amount, replica_id, note) VALUES ('" + user + "',"
                + " 'detach', 123, '" + replica + "', 'test: an earlier attempt')");
        assertEquals(List.of(user), world.backups.setCoordinators(replica, List.of(user)));

        ok(cli("user", "detach", replica.text(), "--user", user.text()));
        assertDetached(user, replica);
        assertEquals(new BigInteger("123"), big(scalar(db, "SELECT sum(amount) FROM user_ledger WHERE kind = 'detach'")),
                "the earlier charge stands; nothing more was charged");
    }

    @Test
    void detachOfSomeoneElsesOrAnUnknownCanisterIsRefused() throws Exception {
        PrincipalId user = userId();
        PrincipalId replica = backupWithOneGeneration(user, 73);
        ok(cli("user", "deposit", "2vxsx-fae", "--cycles", "1"));
        refused(cli("user", "detach", replica.text(), "--user", "2vxsx-fae"), "is not 2vxsx-fae's");
        refused(cli("user", "detach", "aaaaa-aa", "--user", user.text()), "is not a user's backup canister");
        refused(cli("user", "detach", replica.text(), "--user", "rrkah-fqaaa-aaaaa-aaaaq-cai"), "there is no user");
        assertEquals(ExitCodes.USAGE, cli("user", "detach", replica.text()).code(), "--user is required");
        assertEquals("active", scalar(db, "SELECT state FROM user_backups"));
    }

    private void assertDetached(PrincipalId user, PrincipalId replica) throws Exception {
        assertEquals("detached", scalar(db, "SELECT status FROM replicas WHERE replica_id = '" + replica + "'"));
        assertEquals("detached", scalar(db, "SELECT state FROM user_backups WHERE replica_id = '" + replica + "'"));
        assertTrue(scalar(db, "SELECT detached_at FROM user_backups") != null);
        assertEquals(0L, scalar(db, "SELECT count(*) FROM qrtz_job_details WHERE job_name = '" + replica + "'"),
                "the schedule is gone");
        // the coordinator: no longer a controller, no longer a coordinator of the backup canister
        assertThrows(NotAControllerException.class, () -> world.gateway.canisterStatus(replica));
        IcRejectedException call = assertThrows(IcRejectedException.class, () -> world.backups.status(replica));
        assertTrue(call.getMessage().contains("NOT_ALLOWED"), call.getMessage());
        try (IcGateway asUser = IcGateway.connect(Network.parse(world.url.toString()), userIdentity(),
                Duration.ofSeconds(60))) {
            assertEquals(List.of(user), asUser.canisterStatus(replica).controllers(), "the user alone controls it");
            BackupCanisterClient theirs = new BackupCanisterClient(asUser);
            assertFalse(theirs.generations(replica).isEmpty(), "the user reads their generations");
            theirs.readChunk(replica, theirs.generations(replica).get(0).id(), 0);
        }
        CliRunner.Result verified = CliRunner.run("user", "verify", replica.text(), "--data-dir",
                java.nio.file.Files.createTempDirectory("detached").toString(), "--network", world.url.toString(),
                "--identity", IdentitiesTest.fixture(FIXTURE).toString());
        assertEquals(ExitCodes.OK, verified.code(), verified.out() + verified.err());
    }

    /** A user's backup canister of a fresh demo app, with one sealed generation in it. */
    private PrincipalId backupWithOneGeneration(PrincipalId user, long seed) throws Exception {
        world.protectedApp(db, 1, seed, "demo", 0);
        ok(cli("canister", "allow-users", "demo"));
        ok(cli("user", "deposit", user.text(), "--cycles", "5000000000000", "--reference", "first"));
        ok(cli("user", "request", user.text(), "demo", "--every", "24h", "--cycles", "1000000000000"));
        PrincipalId replica = new PrincipalId((String) scalar(db, "SELECT replica_id FROM user_backups"));
        try (Database database = Database.open(db)) {
            ReplicationEngine engine = new ReplicationEngine(database, new AppReplicationClient(world.gateway),
                    world.backups, FeeTable.load(), EngineSettings.defaults(), "test", new RunProgress() { });
            Run run = engine.planInto(replica, "demo", Run.Kind.FULL, null, "test");
            assertEquals(Run.State.SEALED, engine.drive(run.id()).state());
        }
        return replica;
    }

    private static PrincipalId userId() throws Exception {
        return userIdentity().principal();
    }

    private static LoadedIdentity userIdentity() throws Exception {
        return Identities.fromPemFile(IdentitiesTest.fixture(FIXTURE));
    }
}
