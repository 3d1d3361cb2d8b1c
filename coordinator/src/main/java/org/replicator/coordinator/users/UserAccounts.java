package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserBackupRepository;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.store.UserRepository;
import org.replicator.coordinator.store.UserRequests;

/**
 * Users' accounts: deposits, limits, statements, and their standing, which follows the balance
 * (docs/users.md): in credit they replicate; below their warning level they are warned; with
 * nothing left their backups pause and a deletion date a grace period away is announced; a deposit
 * that brings them back in credit resumes them. Needs no network.
 */
public final class UserAccounts {
    public static final Duration DEFAULT_GRACE = Duration.ofDays(30);
    private static final Duration RATE_WINDOW = Duration.ofHours(1);

    private final Database db;
    private final UserSchedules schedules;
    private final Duration grace;
    private final UserRepository users = new UserRepository();
    private final UserLedger ledger = new UserLedger();
    private final UserBackupRepository backups = new UserBackupRepository();

    public UserAccounts(Database db, UserSchedules schedules, Duration grace) {
        this.db = db;
        this.schedules = schedules;
        this.grace = grace;
    }

    /**
     * Credits a deposit, opening the account if new. A deposit whose reference was recorded before
     * is not credited again: the earlier entry is returned.
     */
    public UserEntry deposit(PrincipalId user, BigInteger cycles, String reference, String actor) {
        if (cycles == null || cycles.signum() <= 0) {
            throw new UserRefused(UserRefused.Reason.INVALID, "a deposit must be a positive number of cycles, not " + cycles);
        }
        UserEntry entry;
        try {
            entry = db.inTransaction(tx -> {
                users.ensure(tx, user);
                users.lock(tx, user);
                if (reference != null) {
                    var earlier = ledger.deposit(tx, user, reference);
                    if (earlier.isPresent()) {
                        return earlier.get();
                    }
                }
                UserEntry e = ledger.record(tx, UserEntry.New.deposit(user, cycles, reference, null));
                new AuditLog().record(tx, actor, "user.deposit", user.text(), Map.of("cycles", cycles.toString(),
                        "reference", String.valueOf(reference), "entry", e.id()));
                return e;
            });
        } catch (ConstraintViolation e) {
            if (!"user_ledger_reference_once".equals(e.constraint())) {
                throw e;
            }
            // the same deposit submitted twice at once: the other submission recorded it
            entry = db.inTransaction(tx -> ledger.deposit(tx, user, reference)).orElseThrow();
        }
        reassess(user, actor);
        return entry;
    }

    public User setLimits(PrincipalId user, Integer maxBackups, Integer maxRequestsPerHour, BigInteger warnBelow,
            String actor) {
        if ((maxBackups != null && maxBackups < 0) || (maxRequestsPerHour != null && maxRequestsPerHour < 0)
                || (warnBelow != null && warnBelow.signum() < 0)) {
            throw new UserRefused(UserRefused.Reason.INVALID, "limits cannot be negative");
        }
        db.inTransaction(tx -> {
            users.ensure(tx, user);
            User x = users.setLimits(tx, user, maxBackups, maxRequestsPerHour, warnBelow);
            new AuditLog().record(tx, actor, "user.limits", user.text(), Map.of("max_backups", x.maxBackups(),
                    "max_requests_per_hour", x.maxRequestsPerHour(), "warn_below", x.warnBelow().toString()));
            return x;
        });
        return reassess(user, actor);
    }

    public Account account(PrincipalId user) {
        return db.inTransaction(tx -> {
            User u = users.find(tx, user).orElseThrow(() -> unknown(user));
            return new Account(u, ledger.balance(tx, user), backups.ofUser(tx, user));
        });
    }

    public List<Account> accounts() {
        return db.inTransaction(tx -> {
            List<Account> out = new ArrayList<>();
            for (User u : users.list(tx)) {
                out.add(new Account(u, ledger.balance(tx, u.principal()), backups.ofUser(tx, u.principal())));
            }
            return out;
        });
    }

    /** The user's entries in {@code month} (UTC), or all of them when it is null. */
    public Statement statement(PrincipalId user, YearMonth month) {
        Instant from = month == null ? null : month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = month == null ? null : month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        return db.inTransaction(tx -> {
            User u = users.find(tx, user).orElseThrow(() -> unknown(user));
            BigInteger opening = from == null ? BigInteger.ZERO : ledger.balanceBefore(tx, user, from);
            List<UserEntry> entries = ledger.entries(tx, user, from, to);
            BigInteger closing = opening;
            for (UserEntry e : entries) {
                closing = closing.add(e.signedAmount());
            }
            return new Statement(u, from, to, opening, entries, closing);
        });
    }

    /**
     * Brings the user's standing in line with their balance, pausing or resuming their backups.
     * Every change is audited; pausing announces the deletion date.
     */
    public User reassess(PrincipalId user, String actor) {
        record Change(User user, List<PrincipalId> pause, List<PrincipalId> resume) {
        }
        Change change = db.inTransaction(tx -> {
            User u = users.lock(tx, user).orElseThrow(() -> unknown(user));
            if (u.status() == User.Status.CLOSED) {
                return new Change(u, List.of(), List.of());
            }
            BigInteger balance = ledger.balance(tx, user);
            User.Status wanted = balance.signum() <= 0 ? User.Status.PAUSED
                    : balance.compareTo(u.warnBelow()) < 0 ? User.Status.WARNED : User.Status.ACTIVE;
            if (wanted == u.status()) {
                return new Change(u, List.of(), List.of());
            }
            User after = users.setStatus(tx, user, wanted, grace);
            AuditLog audit = new AuditLog();
            List<PrincipalId> pause = new ArrayList<>();
            List<PrincipalId> resume = new ArrayList<>();
            ReplicaRepository replicas = new ReplicaRepository();
            if (wanted == User.Status.PAUSED) {
                for (UserBackup b : backups.ofUser(tx, user)) {
                    if (b.state() == UserBackup.State.ACTIVE) {
                        backups.transition(tx, b.replica(), UserBackup.State.ACTIVE, UserBackup.State.PAUSED);
                        replicas.transition(tx, b.replica(), Replica.Status.ACTIVE, Replica.Status.PAUSED);
                        pause.add(b.replica());
                    }
                }
                audit.record(tx, actor, "user.paused", user.text(), Map.of("balance", balance.toString(),
                        "backups_paused", pause.size()));
                audit.record(tx, actor, "user.deletion_notice", user.text(), Map.of("deletion_due_at",
                        after.deletionDueAt().orElseThrow().toString(), "grace", grace.toString(), "balance",
                        balance.toString()));
            } else {
                if (u.status() == User.Status.PAUSED) {
                    for (UserBackup b : backups.ofUser(tx, user)) {
                        if (b.state() == UserBackup.State.PAUSED) {
                            backups.transition(tx, b.replica(), UserBackup.State.PAUSED, UserBackup.State.ACTIVE);
                            replicas.transition(tx, b.replica(), Replica.Status.PAUSED, Replica.Status.ACTIVE);
                            resume.add(b.replica());
                        }
                    }
                    audit.record(tx, actor, "user.resumed", user.text(), Map.of("balance", balance.toString(),
                            "backups_resumed", resume.size()));
                }
                if (wanted == User.Status.WARNED) {
                    audit.record(tx, actor, "user.warned", user.text(), Map.of("balance", balance.toString(),
                            "warn_below", u.warnBelow().toString()));
                }
            }
            return new Change(after, pause, resume);
        });
        change.pause().forEach(schedules::pause);
        change.resume().forEach(schedules::resume);
        return change.user();
    }

    /** Refuses the request if the user made as many as their limit allows in the last hour. */
    public void checkRate(PrincipalId user) {
        db.inTransaction(tx -> {
            User u = users.find(tx, user).orElseThrow(() -> unknown(user));
            int made = new UserRequests().countSince(tx, user.text(), Instant.now().minus(RATE_WINDOW));
            if (made >= u.maxRequestsPerHour()) {
                throw new UserRefused(UserRefused.Reason.RATE_LIMITED, "user " + user + " made " + made
                        + " requests in the last hour and may make " + u.maxRequestsPerHour()
                        + "; try again later");
            }
            return null;
        });
    }

    /** Counts a state-changing request, accepted or refused, toward the rate limit. */
    public void countRequest(PrincipalId user, String action, boolean accepted, String detail) {
        db.inTransaction(tx -> {
            new UserRequests().record(tx, user.text(), action, accepted, detail);
            return null;
        });
    }

    static UserRefused unknown(PrincipalId user) {
        return new UserRefused(UserRefused.Reason.UNKNOWN_USER, "no account for user " + user
                + "; an account opens with their first deposit (`replicator user deposit " + user + " --cycles …`)");
    }
}
