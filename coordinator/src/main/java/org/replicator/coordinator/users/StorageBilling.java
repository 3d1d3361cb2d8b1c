package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.replicator.coordinator.agent.CanisterStatus;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserBackupRepository;
import org.replicator.coordinator.store.UserBilling;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.store.UserRepository;

/**
 * The billing sweep: charges each user for the storage their backup canisters used since the last
 * reading, and deletes the generations of users paused past their deletion date.
 *
 * <p>Storage is measured, not assumed: the canister's balance drop between two readings, less what
 * the sealed runs that finished in between spent (each charged as a run) plus what the coordinator
 * topped up; a failed run is not charged as a run, so what it cost stays in the drop.
 * The fee table's figure for the same memory and time is recorded beside it. A canister whose
 * balance cannot be read is left at its last reading, so the next sweep charges the whole span
 * once: a missed sweep loses nothing and charges nothing twice. A reading is never taken while a
 * run into the canister is unfinished, so no run's spend is split across two periods.
 */
public final class StorageBilling {
    /** What one sweep did. */
    public record Sweep(List<UserEntry> charged, List<Reading> firstReadings, List<Skipped> skipped,
            List<Deletion> deleted, List<PrincipalId> dueWithoutNotice) {
    }

    /** A backup's first reading: nothing to charge yet, the next sweep charges from here. */
    public record Reading(PrincipalId user, PrincipalId replica, Instant at, BigInteger balance, long bytes) {
    }

    /** A backup left at its last reading this time; the next sweep charges the whole span. */
    public record Skipped(PrincipalId user, PrincipalId replica, String reason) {
    }

    /** A backup whose generations were deleted after its user's grace period. */
    public record Deletion(PrincipalId user, PrincipalId replica, Instant dueAt, List<Long> generations,
            int droppedInCanister) {
    }

    private final Database db;
    private final IcGateway gateway;
    private final BackupCanisterClient backups;
    private final FeeTable fees;
    private final long subnetSize;
    private final UserAccounts accounts;
    private final UserSchedules schedules;
    private final UserBackupRepository userBackups = new UserBackupRepository();
    private final UserLedger userLedger = new UserLedger();
    private final CycleLedger cycles = new CycleLedger();
    private final UserBilling queries = new UserBilling();
    private final GenerationRepository generations = new GenerationRepository();
    private final AuditLog audit = new AuditLog();

    /**
     * {@code subnetSize}: the node count the storage estimate is scaled to (the IC's application
     * subnets have 13, the fee table's reference size).
     */
    public StorageBilling(Database db, IcGateway gateway, FeeTable fees, long subnetSize, UserAccounts accounts,
            UserSchedules schedules) {
        this.db = db;
        this.gateway = gateway;
        this.backups = new BackupCanisterClient(gateway);
        this.fees = fees;
        this.subnetSize = subnetSize;
        this.accounts = accounts;
        this.schedules = schedules;
    }

    /** Charges storage for every held backup, then deletes what is due. */
    public Sweep sweep(String actor) {
        List<UserEntry> charged = new ArrayList<>();
        List<Reading> first = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        Set<PrincipalId> touched = new LinkedHashSet<>();
        // a user's run sealed by a process that did not charge it (a canister's own schedule may
        // have resumed it) is charged before the storage, which leaves sealed runs' spend out
        new RunCharges(db).chargeOutstanding(actor).forEach(e -> touched.add(e.principal()));
        for (UserBackup b : db.inTransaction(userBackups::held)) {
            Optional<Long> run = db.inTransaction(tx -> queries.unfinishedRunOf(tx, b.replica()));
            if (run.isPresent()) {
                skipped.add(new Skipped(b.principal(), b.replica(), "run " + run.get() + " into it is unfinished;"
                        + " the next sweep charges from the last reading"));
                continue;
            }
            Instant at = db.inTransaction(queries::now);
            CanisterStatus status;
            try {
                status = gateway.canisterStatus(b.replica());
            } catch (IcException e) {
                String reason = "its balance could not be read (" + e.getMessage() + "); the next sweep charges"
                        + " the whole span from the last reading";
                db.inTransaction(tx -> audit.record(tx, actor, "user.storage_unread", b.replica().text(),
                        Map.of("user", b.principal().text(), "error", String.valueOf(e.getMessage()))));
                skipped.add(new Skipped(b.principal(), b.replica(), reason));
                continue;
            }
            UserBackup.StorageReading now = new UserBackup.StorageReading(at, status.cycles(),
                    status.memorySize().longValueExact());
            Outcome outcome = db.inTransaction(tx -> {
                new UserRepository().lock(tx, b.principal());
                Optional<UserBackup> current = userBackups.find(tx, b.replica());
                if (current.isEmpty() || !current.get().storageReading().equals(b.storageReading())
                        || (current.get().state() != UserBackup.State.ACTIVE
                                && current.get().state() != UserBackup.State.PAUSED)) {
                    return new Outcome.Raced();
                }
                if (b.storageReading().isEmpty()) {
                    userBackups.recordStorageReading(tx, b.replica(), now);
                    return new Outcome.First(new Reading(b.principal(), b.replica(), at, now.balance(), now.bytes()));
                }
                UserBackup.StorageReading before = b.storageReading().get();
                if (!at.isAfter(before.at())) {
                    return new Outcome.Raced();
                }
                UserEntry entry = userLedger.record(tx, charge(tx, b, before, now));
                userBackups.recordStorageReading(tx, b.replica(), now);
                return new Outcome.Charged(entry);
            });
            if (outcome instanceof Outcome.First f) {
                first.add(f.reading());
            } else if (outcome instanceof Outcome.Charged c) {
                charged.add(c.entry());
                touched.add(b.principal());
            } else {
                skipped.add(new Skipped(b.principal(), b.replica(), "another sweep read it meanwhile"));
            }
        }
        for (PrincipalId user : touched) {
            accounts.reassess(user, actor);
        }
        List<Deletion> deleted = new ArrayList<>();
        for (UserBilling.DueForDeletion due : db.inTransaction(queries::dueForDeletion)) {
            deleteGenerations(due, actor, deleted, skipped);
        }
        List<PrincipalId> withoutNotice = db.inTransaction(queries::dueWithoutNotice);
        return new Sweep(List.copyOf(charged), List.copyOf(first), List.copyOf(skipped), List.copyOf(deleted),
                withoutNotice);
    }

    private sealed interface Outcome {
        record First(Reading reading) implements Outcome {
        }

        record Charged(UserEntry entry) implements Outcome {
        }

        record Raced() implements Outcome {
        }
    }

    private UserEntry.New charge(java.sql.Connection tx, UserBackup b, UserBackup.StorageReading before,
            UserBackup.StorageReading now) throws java.sql.SQLException {
        Map<Long, BigInteger> runs = cycles.spentByReplicaInRunsSealed(tx, b.replica(), before.at(), now.at());
        BigInteger runsSpent = runs.values().stream().reduce(BigInteger.ZERO, BigInteger::add);
        BigInteger toppedUp = cycles.toppedUp(tx, b.replica(), before.at(), now.at());
        BigInteger drop = before.balance().subtract(now.balance());
        BigInteger measured = drop.subtract(runsSpent).add(toppedUp).max(BigInteger.ZERO);
        Duration period = Duration.between(before.at(), now.at());
        long averageBytes = Math.addExact(before.bytes(), now.bytes()) / 2;
        BigInteger byteSeconds = BigInteger.valueOf(before.bytes()).add(BigInteger.valueOf(now.bytes()))
                .multiply(BigInteger.valueOf(period.toNanos())).divide(BigInteger.valueOf(2_000_000_000L));
        BigInteger estimate = fees.storageEstimate(averageBytes, period, subnetSize);
        String note = "balance " + before.balance() + " − " + now.balance() + " = " + drop + ", − " + runsSpent
                + " spent by sealed runs " + runs.keySet() + ", + " + toppedUp + " topped up = " + measured
                + (drop.subtract(runsSpent).add(toppedUp).signum() < 0 ? " (negative, charged as 0)" : "")
                + "; memory " + before.bytes() + " → " + now.bytes() + " bytes over " + period.toMillis() + " ms";
        return new UserEntry.New(b.principal(), UserEntry.Kind.STORAGE, measured, b.replica(), null, before.at(),
                now.at(), byteSeconds, averageBytes, estimate, null, note);
    }

    /**
     * Drops every generation the user's backup canisters hold, each in the canister first and
     * then in the database, and moves the backups to deleted. A canister that cannot be reached
     * is left as it is; the next sweep carries on where this one stopped.
     */
    private void deleteGenerations(UserBilling.DueForDeletion due, String actor, List<Deletion> deleted,
            List<Skipped> skipped) {
        List<UserBackup> held = db.inTransaction(tx -> userBackups.ofUser(tx, due.user())).stream()
                .filter(b -> b.state() == UserBackup.State.ACTIVE || b.state() == UserBackup.State.PAUSED).toList();
        for (UserBackup b : held) {
            int dropped = 0;
            try {
                for (BackupGeneration g : backups.generations(b.replica())) {
                    backups.dropGeneration(b.replica(), g.id());
                    dropped++;
                }
            } catch (IcException e) {
                db.inTransaction(tx -> audit.record(tx, actor, "user.deletion_deferred", b.replica().text(),
                        Map.of("user", due.user().text(), "error", String.valueOf(e.getMessage()))));
                skipped.add(new Skipped(due.user(), b.replica(), "its generations could not be dropped ("
                        + e.getMessage() + "); the next sweep tries again"));
                continue;
            }
            int droppedInCanister = dropped;
            List<Long> ids = db.inTransaction(tx -> {
                List<Long> marked = new ArrayList<>();
                for (Generation g : generations.list(tx, b.replica())) {
                    generations.markDeleted(tx, g.id());
                    marked.add(g.id());
                }
                userBackups.transition(tx, b.replica(), b.state(), UserBackup.State.DELETED);
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("replica", b.replica().text());
                detail.put("canister", b.canister().text());
                detail.put("generations", marked);
                detail.put("dropped_in_canister", droppedInCanister);
                detail.put("deletion_due_at", due.deletionDueAt().toString());
                detail.put("notice_at", due.noticeAt().toString());
                audit.record(tx, actor, "user.generations_deleted", due.user().text(), detail);
                return marked;
            });
            schedules.remove(b.replica());
            deleted.add(new Deletion(due.user(), b.replica(), due.deletionDueAt(), ids, droppedInCanister));
        }
        accounts.reassess(due.user(), actor);
    }
}
