package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import org.quartz.CronExpression;
import org.replicator.coordinator.agent.CanisterStatus;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.replica.ReplicaProvisioner;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserBackupRepository;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;

/**
 * A user's request for a backup canister of their own. Everything that can refuse it is checked
 * before a cycle is spent (their rate, the app's allow-list, their quota, their standing and
 * balance); then the canister is created like any replica but with the user among its
 * controllers, its creation is charged to them, its first storage reading taken and their
 * schedule started. Every request, accepted or refused, counts toward their rate limit.
 */
public final class UserBackups {
    private final Database db;
    private final IcGateway gateway;
    private final CyclesFunding funding;
    private final FeeTable fees;
    private final UserAccounts accounts;
    private final UserSchedules schedules;
    private final BigInteger initialCycles;

    public UserBackups(Database db, IcGateway gateway, CyclesFunding funding, FeeTable fees, UserAccounts accounts,
            UserSchedules schedules, BigInteger initialCycles) {
        this.db = db;
        this.gateway = gateway;
        this.funding = funding;
        this.fees = fees;
        this.accounts = accounts;
        this.schedules = schedules;
        this.initialCycles = initialCycles;
    }

    /** What a request needs in the user's account: the creation fee and the canister's first cycles. */
    public BigInteger required() {
        return fees.canisterCreation().add(initialCycles);
    }

    public UserBackup request(BackupRequest request, String actor, Consumer<String> step) {
        PrincipalId user = request.user();
        accounts.checkRate(user);
        try {
            UserBackup b = create(request, actor, step);
            accounts.countRequest(user, "backup.request", true, b.replica().text());
            return b;
        } catch (RuntimeException e) {
            accounts.countRequest(user, "backup.request", false, String.valueOf(e.getMessage()));
            throw e;
        }
    }

    private UserBackup create(BackupRequest request, String actor, Consumer<String> step) {
        PrincipalId user = request.user();
        Duration every = request.cron().isPresent() ? null : request.every().orElse(BackupRequest.DEFAULT_EVERY);
        if (request.cron().isPresent() && request.every().isPresent()) {
            throw new UserRefused(UserRefused.Reason.INVALID, "give a schedule as an interval or as a cron expression,"
                    + " not both");
        }
        request.cron().ifPresent(expr -> {
            if (!CronExpression.isValidExpression(expr)) {
                throw new UserRefused(UserRefused.Reason.INVALID, "\"" + expr + "\" is not a Quartz cron expression"
                        + " (seconds minutes hours day-of-month month day-of-week, e.g. \"0 0 3 * * ?\" daily at 03:00 UTC)");
            }
        });
        if (every != null && every.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new UserRefused(UserRefused.Reason.INVALID, "a backup runs at most once a minute, not every " + every);
        }
        int keepLast = request.keepLast().orElse(BackupRequest.DEFAULT_KEEP_LAST);
        if (keepLast < 1) {
            throw new UserRefused(UserRefused.Reason.INVALID, "keep-last must be at least 1, not " + keepLast);
        }
        ProtectedCanister canister = db.inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx,
                request.canister())).orElseThrow(() -> new UserRefused(UserRefused.Reason.UNKNOWN_CANISTER,
                        "no protected canister is called " + request.canister()));
        if (!canister.userBackupsAllowed()) {
            throw new UserRefused(UserRefused.Reason.NOT_ALLOWED, "canister " + canister.id() + " does not offer its"
                    + " users backup canisters of their own (its operator enables it with `replicator canister"
                    + " allow-users " + canister.id() + "`)");
        }
        Account account = accounts.account(user);
        if (account.user().status() == User.Status.PAUSED || account.user().status() == User.Status.CLOSED) {
            throw new UserRefused(UserRefused.Reason.PAUSED, "user " + user + " is " + account.user().status().column()
                    + " (balance " + account.balance() + " cycles); a deposit resumes the account");
        }
        if (account.held() >= account.user().maxBackups()) {
            throw new UserRefused(UserRefused.Reason.QUOTA, "user " + user + " holds " + account.held()
                    + " backup canister(s) and may hold " + account.user().maxBackups());
        }
        BigInteger required = required();
        if (account.balance().compareTo(required) < 0) {
            throw new UserRefused(UserRefused.Reason.INSUFFICIENT_BALANCE, "a backup canister needs " + required
                    + " cycles in the account (creation fee " + fees.canisterCreation() + " + its first "
                    + initialCycles + " cycles) and user " + user + " has " + account.balance() + "; deposit "
                    + required.subtract(account.balance()) + " more");
        }

        Replica replica = new ReplicaProvisioner(db, gateway, funding, new AppReplicationClient(gateway)).create(
                new ReplicaProvisioner.Request(canister.id().text(), request.subnet(), false, null, initialCycles, null,
                        java.util.Optional.of(user)), actor, step);
        step.accept("reading the balance of " + replica.id() + " to charge its creation");
        CanisterStatus status = gateway.canisterStatus(replica.id());
        UserBackup backup = db.inTransaction(tx -> {
            UserBackupRepository backups = new UserBackupRepository();
            UserBackup b = backups.insert(tx, replica.id(), user, canister.id(), every, request.cron().orElse(null),
                    request.fullEvery().orElse(null), keepLast);
            BigInteger spent = initialCycles.subtract(status.cycles()).max(BigInteger.ZERO);
            new UserLedger().record(tx, UserEntry.New.charge(user, UserEntry.Kind.CREATION, spent, replica.id(),
                    fees.canisterCreation(), "creating and installing backup canister " + replica.id() + " on subnet "
                            + replica.subnet()));
            backups.recordStorageReading(tx, replica.id(), new UserBackup.StorageReading(Instant.now(), status.cycles(),
                    status.memorySize().longValueExact()));
            new AuditLog().record(tx, actor, "user.backup.request", user.text(), Map.of("replica", replica.id().text(),
                    "canister", canister.id().text(), "subnet", replica.subnet().text(), "schedule", b.describeSchedule(),
                    "creation_cycles", spent.toString()));
            return backups.find(tx, replica.id()).orElseThrow();
        });
        schedules.schedule(backup);
        accounts.reassess(user, actor);
        return backup;
    }
}
