package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.big;
import static org.replicator.coordinator.engine.ReplicationWorld.execute;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserBackupRepository;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.users.BackupRequest;
import org.replicator.coordinator.users.RunCharges;
import org.replicator.coordinator.users.StorageBilling;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserBackups;
import org.replicator.coordinator.users.UserSchedules;

/**
 * The billing sweep over a user's backup canister on the localnet: storage is charged from the
 * canister's balance drop (runs and top-ups taken out) and agrees with the fee table; a canister
 * that cannot be read is charged nothing and the next sweep charges the whole span; together the
 * creation, run and storage charges add up to exactly what the canister's balance lost. A paused
 * user's generations are deleted only after the due date and only with the notice given.
 */
class StorageBillingTest extends WorldTest {
    private static final BigInteger INITIAL = new BigInteger("3000000000000");
    /** How far one idle period's measured storage may be from the fee table's estimate. */
    private static final double TOLERANCE = 0.02;
    private final FeeTable fees = FeeTable.load();

    /** A user with a backup canister of the demo app (1 MiB) on subnet {@code subnet}, one full run sealed into it. */
    private final class UserWorld implements AutoCloseable {
        final Database database = Database.open(db);
        final Scheduler scheduler = ScheduledReplication.scheduler(database, () -> world.gateway, Duration.ofSeconds(1),
                new RunProgress() { });
        final UserSchedules schedules = new UserSchedules(scheduler);
        final UserAccounts accounts;
        final PrincipalId user = ReplicationWorld.id(world.deployer.principal());
        final UserBackup backup;
        final List<Long> runs = new ArrayList<>();

        UserWorld(long seed, int subnet, Duration grace) {
            accounts = new UserAccounts(database, schedules, grace);
            world.protectedApp(db, 1, seed, "demo", 0);
            execute(db, "UPDATE canisters SET user_backups_allowed = true");
            accounts.deposit(user, new BigInteger("10000000000000"), "payment-1", "test");
            backup = new UserBackups(database, world.gateway, new ProvisionalFunding(world.gateway), fees, accounts,
                    schedules, INITIAL).request(new BackupRequest(user, "demo",
                            Optional.of(ReplicationWorld.id(world.net.subnet(subnet).id())), Optional.of(Duration.ofHours(1)),
                            Optional.empty(), Optional.empty(), Optional.empty()), "test", step -> { });
            ReplicationEngine engine = ReplicationEngine.connected(database, world.gateway, EngineSettings.defaults(),
                    Owner.current("test"), new RunProgress() { });
            Run done = engine.drive(engine.planInto(backup.replica(), "demo", Run.Kind.FULL, null, "test").id(), true);
            assertEquals(Run.State.SEALED, done.state(), () -> done.error().orElse(""));
            runs.add(done.id());
            assertTrue(new RunCharges(database).charge(done.id(), backup.replica(), "test").isPresent());
        }

        StorageBilling billing(IcGateway gateway) {
            return new StorageBilling(database, gateway, fees, fees.referenceSubnetSize(), accounts, schedules);
        }

        UserBackup.StorageReading reading() {
            return database.inTransaction(tx -> new UserBackupRepository().find(tx, backup.replica())).orElseThrow()
                    .storageReading().orElseThrow();
        }

        List<UserEntry> entries(UserEntry.Kind kind) {
            return database.inTransaction(tx -> new UserLedger().entries(tx, user, null, null)).stream()
                    .filter(e -> e.kind() == kind).toList();
        }

        /** Waits until the canister's balance fell by what the fee table says {@code idle} of storage costs. */
        void awaitStorageAccrues(Duration idle) {
            UserBackup.StorageReading from = reading();
            BigInteger expected = fees.storageEstimate(from.bytes(), idle, fees.referenceSubnetSize());
            RecordingProgress.await("the canister's balance falls by " + expected + " cycles of storage",
                    Duration.ofMinutes(2), () -> from.balance().subtract(
                            world.gateway.canisterStatus(backup.replica()).cycles()).compareTo(expected) >= 0);
        }

        /**
         * Nothing lost, nothing charged twice: the user's creation, run and storage charges add up to
         * what the canister's balance lost from its initial cycles to the last reading.
         */
        void assertChargesAddUpToTheBalanceLost() {
            BigInteger charged = database.inTransaction(tx -> new UserLedger().entries(tx, user, null, null)).stream()
                    .filter(e -> !e.kind().credits()).map(UserEntry::amount).reduce(BigInteger.ZERO, BigInteger::add);
            BigInteger toppedUp = big(scalar(db, "SELECT COALESCE(sum(amount), 0) FROM cycle_ledger WHERE kind = 'top_up'"
                    + " AND replica_id = '" + backup.replica().text() + "'"));
            assertEquals(INITIAL.add(toppedUp).subtract(reading().balance()), charged,
                    "creation + runs + storage = initial cycles + top-ups − balance at the last reading");
        }

        @Override
        public void close() throws SchedulerException {
            scheduler.shutdown(false);
            database.close();
        }
    }

    @Test
    void storageIsChargedFromTheBalanceDropAndAgreesWithTheFeeTableEstimate() throws Exception {
        try (UserWorld w = new UserWorld(61, 0, UserAccounts.DEFAULT_GRACE)) {
            StorageBilling billing = w.billing(world.gateway);
            UserBackup.StorageReading created = w.reading();
            StorageBilling.Sweep afterRun = billing.sweep("test");
            assertEquals(1, afterRun.charged().size(), afterRun.toString());
            UserEntry first = afterRun.charged().get(0);
            assertEquals(created.at(), first.periodStart().orElseThrow(), "the period starts at the last reading");
            assertEquals(w.reading().at(), first.periodEnd().orElseThrow(), "and ends at the new one");
            assertTrue(first.note().orElseThrow().contains("sealed runs " + w.runs), first.note().orElseThrow());

            w.awaitStorageAccrues(Duration.ofSeconds(20));
            UserBackup.StorageReading before = w.reading();
            StorageBilling.Sweep idle = billing.sweep("test");
            assertEquals(1, idle.charged().size(), idle.toString());
            UserEntry storage = idle.charged().get(0);
            BigInteger estimate = storage.estimate().orElseThrow();
            double off = new BigDecimal(storage.amount().subtract(estimate).abs())
                    .divide(new BigDecimal(estimate), MathContext.DECIMAL64).doubleValue();
            System.out.printf("idle storage over %d ms, %d bytes: measured %s cycles, estimate %s, off by %.4f%%%n",
                    Duration.between(before.at(), w.reading().at()).toMillis(), storage.bytes().orElseThrow(),
                    storage.amount(), estimate, 100 * off);
            assertTrue(storage.amount().signum() > 0, "storage costs something: " + storage);
            assertTrue(off <= TOLERANCE, "measured " + storage.amount() + " is within " + 100 * TOLERANCE
                    + "% of the estimate " + estimate + " (off by " + 100 * off + "%)");
            BigInteger byteSeconds = BigInteger.valueOf(before.bytes() + w.reading().bytes())
                    .multiply(BigInteger.valueOf(Duration.between(before.at(), w.reading().at()).toNanos()))
                    .divide(BigInteger.valueOf(2_000_000_000L));
            assertEquals(byteSeconds, storage.byteSeconds().orElseThrow(), "byte-seconds: average memory × seconds");
            w.assertChargesAddUpToTheBalanceLost();

            CliRunner.Result bill = cli("user", "bill", "--json");
            assertEquals(0, bill.code(), bill.err());
            assertTrue(bill.out().contains("\"total_charged\"") && bill.out().contains(w.backup.replica().text()),
                    bill.out());
            CliRunner.Result text = ok(cli("user", "bill"));
            assertTrue(text.out().contains("charged " + w.user.text()) && text.out().contains("total charged: "),
                    text.out());
            assertEquals(4, w.entries(UserEntry.Kind.STORAGE).size(), "each CLI sweep charged one more period");
            w.assertChargesAddUpToTheBalanceLost();
        }
    }

    @Test
    void aCanisterOnAHaltedSubnetIsChargedNothingAndTheNextSweepChargesTheWholeSpan() throws Exception {
        try (UserWorld w = new UserWorld(62, 2, UserAccounts.DEFAULT_GRACE);
                IcGateway impatient = IcGateway.connect(Network.parse(world.url.toString()),
                        Identities.fromPemFile(world.pem), Duration.ofSeconds(5))) {
            StorageBilling billing = w.billing(impatient);
            billing.sweep("test");
            UserBackup.StorageReading lastRead = w.reading();
            world.net.control().halt(2);
            StorageBilling.Sweep halted;
            try {
                halted = billing.sweep("test");
            } finally {
                world.net.control().resume(2);
            }
            assertEquals(List.of(), halted.charged(), "nothing charged while the balance cannot be read");
            assertEquals(1, halted.skipped().size(), halted.toString());
            assertEquals(lastRead, w.reading(), "the last reading stays where it was");
            assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'user.storage_unread'"
                    + " AND subject = '" + w.backup.replica().text() + "'"));

            w.awaitStorageAccrues(Duration.ofSeconds(10));
            StorageBilling.Sweep next = billing.sweep("test");
            assertEquals(1, next.charged().size(), next.toString());
            UserEntry whole = next.charged().get(0);
            assertEquals(lastRead.at(), whole.periodStart().orElseThrow(), "from the reading before the halt");
            assertTrue(whole.amount().signum() > 0, whole.toString());
            System.out.printf("storage across the halt: measured %s cycles, estimate %s%n", whole.amount(),
                    whole.estimate().orElseThrow());
            w.assertChargesAddUpToTheBalanceLost();
        }
    }

    @Test
    void aPausedUsersGenerationsAreDeletedOnlyAfterTheDueDateAndOnlyWithTheNotice() throws Exception {
        try (UserWorld w = new UserWorld(63, 0, Duration.ofHours(1))) {
            StorageBilling billing = w.billing(world.gateway);
            String replica = w.backup.replica().text();
            drain(w);
            assertEquals("paused", scalar(db, "SELECT status FROM users"));
            assertEquals(1, world.backups.generations(w.backup.replica()).size());

            StorageBilling.Sweep early = billing.sweep("test");
            assertEquals(List.of(), early.deleted(), "not before the due date");
            assertEquals(1, world.backups.generations(w.backup.replica()).size(), "the canister keeps its generation");
            assertEquals(0L, scalar(db, "SELECT count(*) FROM generations WHERE deleted_at IS NOT NULL"));
            assertEquals("paused", scalar(db, "SELECT state FROM user_backups"));

            execute(db, "DELETE FROM audit_events WHERE action = 'user.deletion_notice'");
            execute(db, "UPDATE users SET deletion_due_at = now() - interval '1 second'");
            StorageBilling.Sweep unnoticed = billing.sweep("test");
            assertEquals(List.of(), unnoticed.deleted(), "not without the notice");
            assertEquals(List.of(w.user), unnoticed.dueWithoutNotice());
            assertEquals(1, world.backups.generations(w.backup.replica()).size());

            // a deposit resumes the user; running dry again pauses them with a new notice and due date
            w.accounts.deposit(w.user, BigInteger.valueOf(1_000), "payment-2", "test");
            assertEquals("warned", scalar(db, "SELECT status FROM users"), "back in credit, below the warning level");
            drain(w);
            assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'user.deletion_notice'"));
            execute(db, "UPDATE users SET deletion_due_at = now() - interval '1 second'");
            StorageBilling.Sweep due = billing.sweep("test");
            assertEquals(1, due.deleted().size(), due.toString());
            assertEquals(List.of(), world.backups.generations(w.backup.replica()), "the canister holds nothing");
            assertEquals(0L, scalar(db, "SELECT count(*) FROM generations WHERE deleted_at IS NULL AND replica_id = '"
                    + replica + "'"));
            assertEquals("deleted", scalar(db, "SELECT state FROM user_backups"));
            assertEquals(1L, scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'user.generations_deleted'"));
            assertFalse(w.scheduler.checkExists(new JobKey(replica, "user-replication")), "its Quartz job is gone");

            StorageBilling.Sweep after = billing.sweep("test");
            assertEquals(List.of(), after.deleted(), "a deleted backup is not deleted again");
            assertEquals(List.of(), after.charged(), "nor charged for storage");
        }
    }

    @Test
    void badBillingOptionsAreRefusedBeforeAnythingIsRead() {
        CliRunner.Result nodes = cli("user", "bill", "--subnet-size", "0");
        assertEquals(ExitCodes.USAGE, nodes.code(), nodes.err());
        assertTrue(nodes.err().contains("--subnet-size must be at least 1, not 0"), nodes.err());
        CliRunner.Result interval = cli("serve", "--billing-interval", "0s");
        assertEquals(ExitCodes.USAGE, interval.code(), interval.err());
        assertTrue(interval.err().contains("--billing-interval must be positive"), interval.err());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM user_ledger"));
    }

    /** Test setup: a charge that takes the user's balance to zero, then their standing reassessed (paused). */
    private static void drain(UserWorld w) {
        BigInteger balance = w.database.inTransaction(tx -> new UserLedger().balance(tx, w.user));
        w.database.inTransaction(tx -> new UserLedger().record(tx, UserEntry.New.charge(w.user, UserEntry.Kind.CREATION,
                balance, w.backup.replica(), null, "test: the account runs dry")));
        w.accounts.reassess(w.user, "test");
    }
}
