package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.replicator.coordinator.agent.CanisterStatus;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.http.ReplicatorMetrics;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserSchedules;

/**
 * Users' backup canisters end to end: a user with a deposit asks for a backup canister of a
 * canister that allows it; it is created with them among its controllers, replicates on their own
 * schedule (and only there), and every run is charged to their account; what the account cannot
 * allow is refused before anything is created; the standing follows the balance.
 */
class UserBackupsEndToEndTest extends WorldTest {
    static PrincipalId userId() throws Exception {
        return Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")).principal();
    }

    @Test
    void aRequestedBackupCanisterIsTheUsersReplicatesOnTheirScheduleAndEachRunIsChargedToThem() throws Exception {
        world.protectedApp(db, 1, 61, "demo", 0);
        String user = userId().text();
        ok(cli("canister", "allow-users", "demo"));
        ok(cli("user", "deposit", user, "--cycles", "5000000000000", "--reference", "payment-1"));
        ok(cli("user", "deposit", user, "--cycles", "5000000000000", "--reference", "payment-1"));
        assertEquals(new BigInteger("5000000000000"), big(scalar(db, "SELECT sum(amount) FROM user_ledger")),
                "a deposit submitted twice with one reference is credited once");

        CliRunner.Result requested = ok(cli("user", "request", user, "demo", "--cron", "0/2 * * * * ?", "--keep-last",
                "2", "--cycles", "1000000000000"));
        assertTrue(requested.out().contains("backup canister"), requested.out());
        String replica = (String) scalar(db, "SELECT replica_id FROM replicas");
        assertEquals(user, scalar(db, "SELECT owner_principal FROM replicas"));
        assertTrue(world.gateway.canisterInfo(new PrincipalId(replica)).controllers().contains(new PrincipalId(user)),
                "the user is among the backup canister's controllers");
        try (IcGateway asUser = IcGateway.connect(Network.parse(world.url.toString()),
                Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")), Duration.ofSeconds(60))) {
            CanisterStatus seen = asUser.canisterStatus(new PrincipalId(replica));
            assertTrue(seen.cycles().signum() > 0, "the user, as a controller, reads its status");
        }
        BigInteger creation = big(scalar(db, "SELECT amount FROM user_ledger WHERE kind = 'creation'"));
        // what the canister's balance fell by from its first cycles: on a local network provisional
        // creation is free, so only the installation shows; on the IC the creation fee comes off too
        assertTrue(creation.signum() > 0 && creation.compareTo(new BigInteger("1000000000000")) < 0,
                "the creation charge is what creating and installing consumed: " + creation);

        refused(cli("replicate", "demo"), "has no active replica");

        try (Database database = Database.open(db)) {
            Scheduler scheduler = ScheduledReplication.scheduler(database, () -> world.gateway, Duration.ofSeconds(1),
                    new RunProgress() { });
            scheduler.start();
            try {
                try {
                    RecordingProgress.await("three charged runs", Duration.ofMinutes(3),
                        () -> (long) scalar(db, "SELECT count(*) FROM user_ledger WHERE kind = 'run'") >= 3);
                } catch (AssertionError e) {
                    throw new AssertionError(rows(db, "SELECT action, detail FROM audit_events ORDER BY event_id") + "\n"
                            + rows(db, "SELECT trigger_name, trigger_group, trigger_state, next_fire_time FROM qrtz_triggers")
                            + rows(db, "SELECT * FROM runs"), e);
                }
            } finally {
                scheduler.shutdown(true);
            }
        }
        assertEquals(0L, scalar(db, "SELECT count(*) FROM run_replicas WHERE replica_id <> '" + replica + "'"),
                "the user's runs pull into their canister only");
        assertEquals(List.of("full"), rows(db, "SELECT kind FROM runs ORDER BY run_id LIMIT 1").get(0));
        assertEquals(scalar(db, "SELECT count(*) FROM run_replicas WHERE state = 'sealed'"),
                scalar(db, "SELECT count(*) FROM user_ledger WHERE kind = 'run'"), "every sealed run is charged once");
        for (List<Object> charge : rows(db, "SELECT amount, estimate, bytes FROM user_ledger WHERE kind = 'run'")) {
            assertTrue(big(charge.get(0)).signum() > 0 && big(charge.get(1)).signum() > 0, "measured and estimate: " + charge);
        }
        assertTrue((long) scalar(db, "SELECT max(bytes) FROM user_ledger WHERE kind = 'run'") >= 1024 * 1024,
                "the full run pulled the whole image");
        assertEquals(2L, scalar(db, "SELECT count(*) FROM generations WHERE deleted_at IS NULL AND sealed_at IS NOT NULL"),
                "the user's retention keeps their newest two");

        CliRunner.Result statement = ok(cli("user", "statement", user));
        BigInteger charges = big(scalar(db, "SELECT sum(amount) FROM user_ledger WHERE kind <> 'deposit'"));
        assertTrue(statement.out().contains(new BigInteger("5000000000000").subtract(charges).toString()),
                "the closing balance is the deposit less every charge: " + statement.out());
        CliRunner.Result show = ok(cli("user", "show", user, "--json"));
        assertTrue(show.out().contains("\"active\""), show.out());
    }

    @Test
    void requestsTheAccountDoesNotAllowAreRefusedBeforeAnythingIsCreated() throws Exception {
        world.protectedApp(db, 1, 62, "demo", 0);
        String user = userId().text();
        refused(cli("user", "request", user, "demo"), "no account for user " + user);
        ok(cli("user", "deposit", user, "--cycles", "100"));
        refused(cli("user", "request", user, "demo"), "does not offer its users backup canisters");
        ok(cli("canister", "allow-users", "demo"));
        refused(cli("user", "request", user, "demo"), "deposit ");
        refused(cli("user", "request", user, "nope"), "no protected canister is called nope");
        CliRunner.Result badCron = cli("user", "request", user, "demo", "--cron", "every day");
        assertEquals(ExitCodes.USAGE, badCron.code(), badCron.err());
        CliRunner.Result tooOften = cli("user", "request", user, "demo", "--every", "10s");
        assertEquals(ExitCodes.USAGE, tooOften.code(), tooOften.err());
        ok(cli("user", "deposit", user, "--cycles", "5000000000000"));
        ok(cli("user", "limits", user, "--max-backups", "0"));
        refused(cli("user", "request", user, "demo"), "may hold 0");
        ok(cli("user", "limits", user, "--max-backups", "2", "--max-requests-per-hour", "6"));
        refused(cli("user", "request", user, "demo"), "made 6 requests in the last hour and may make 6");

        assertEquals(0L, scalar(db, "SELECT count(*) FROM replicas"), "no canister was created");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM user_ledger WHERE kind <> 'deposit'"), "nothing was charged");
        assertEquals(6L, scalar(db, "SELECT count(*) FROM user_requests"), "refusals count toward the rate limit");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM user_requests WHERE accepted"));
    }

    @Test
    void theStandingFollowsTheBalanceWarnedThenPausedWithANoticeAndResumedByADeposit() throws Exception {
        world.protectedApp(db, 1, 63, "demo", 0);
        String user = userId().text();
        PrincipalId u = new PrincipalId(user);
        ok(cli("canister", "allow-users", "demo"));
        ok(cli("user", "deposit", user, "--cycles", "3000000000000"));
        ok(cli("user", "request", user, "demo", "--every", "1h", "--cycles", "1000000000000"));
        String replica = (String) scalar(db, "SELECT replica_id FROM replicas");

        ok(cli("user", "limits", user, "--warn-below", "100000000000000"));
        assertEquals("warned", scalar(db, "SELECT status FROM users"));
        assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'user.warned'"));

        try (Database database = Database.open(db)) {
            Scheduler scheduler = ScheduledReplication.scheduler(database, () -> world.gateway, Duration.ofSeconds(1),
                    new RunProgress() { });
            try {
                UserAccounts accounts = new UserAccounts(database, new UserSchedules(scheduler), Duration.ofDays(30));
                BigInteger balance = accounts.account(u).balance();
                // what the storage sweep would charge for a long idle period: everything and one cycle more
                java.time.Instant now = java.time.Instant.now();
                database.inTransaction(tx -> new UserLedger().record(tx, new UserEntry.New(u, UserEntry.Kind.STORAGE,
                        balance.add(BigInteger.ONE), new PrincipalId(replica), null, now.minus(Duration.ofDays(90)), now,
                        null, null, null, null, "test: a period the balance cannot pay")));
                User paused = accounts.reassess(u, "test");
                assertEquals(User.Status.PAUSED, paused.status());
                assertTrue(paused.deletionDueAt().isPresent(), "pausing announces a deletion date");
                assertTrue(paused.deletionDueAt().get().isAfter(java.time.Instant.now().plus(Duration.ofDays(29))));
            } finally {
                scheduler.shutdown(false);
            }
        }
        assertEquals("paused", scalar(db, "SELECT state FROM user_backups"));
        assertEquals("paused", scalar(db, "SELECT status FROM replicas"));
        assertEquals("PAUSED", scalar(db, "SELECT trigger_state FROM qrtz_triggers WHERE trigger_group = 'user-replication'"));
        assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'user.deletion_notice'"));
        assertTrue(ok(cli("user", "statement", user)).out().contains("NOTICE"), "the statement shows the notice");
        refused(cli("user", "request", user, "demo"), "is paused");

        ok(cli("user", "deposit", user, "--cycles", "200000000000000"));
        assertEquals("active", scalar(db, "SELECT status FROM users"));
        assertEquals(null, scalar(db, "SELECT deletion_due_at FROM users"), "the deletion date is withdrawn");
        assertEquals("active", scalar(db, "SELECT state FROM user_backups"));
        assertEquals("active", scalar(db, "SELECT status FROM replicas"));
        assertFalse("PAUSED".equals(scalar(db, "SELECT trigger_state FROM qrtz_triggers WHERE trigger_group ="
                + " 'user-replication'")), "the schedule runs again");
        try (Database database = Database.open(db)) {
            var balances = ReplicatorMetrics.register(database).scrape().stream()
                    .filter(m -> m.getMetadata().getName().equals("replicator_user_balance_cycles")).findFirst()
                    .orElseThrow();
            var point = ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) balances).getDataPoints().get(0);
            assertEquals(user, point.getLabels().get("user"));
            assertEquals("active", point.getLabels().get("status"));
            assertTrue(point.getValue() > 0, "the metric shows the balance: " + point.getValue());
        }
    }
}
