package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.replicator.coordinator.agent.CanisterStatus;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.NotAControllerException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserBackupRepository;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.store.UserRepository;

/**
 * A user takes their backup canister (docs/users.md, Detach). In order: the balance check (refused
 * before anything changes when the user's account cannot cover the cycles the canister holds); the
 * canister taken off the source's allow-list; the {@code detach} charge; the canister's own
 * coordinator list set to the user; its IC controllers set to the user; then the records (replica
 * and backup detached, schedule removed) and the audit. Each step can be repeated, so calling
 * detach again after a failure part-way completes it, charging once.
 */
public final class Detacher {
    private final Database db;
    private final IcGateway gateway;
    private final UserSchedules schedules;
    private final UserAccounts accounts;

    public Detacher(Database db, IcGateway gateway, UserSchedules schedules, UserAccounts accounts) {
        this.db = db;
        this.gateway = gateway;
        this.schedules = schedules;
        this.accounts = accounts;
    }

    /** What a detach did. {@code charged} is the {@code detach} entry, recorded by this call or an earlier one. */
    public record Detached(UserBackup backup, UserEntry charged) {
    }

    public Detached detach(PrincipalId user, PrincipalId replica, String actor) {
        return detach(user, replica, actor, step -> { });
    }

    public Detached detach(PrincipalId user, PrincipalId replica, String actor, Consumer<String> step) {
        record Found(UserBackup backup, Replica replica, ProtectedCanister canister, Optional<UserEntry> charged) {
        }
        Found found = db.inTransaction(tx -> {
            if (new UserRepository().find(tx, user).isEmpty()) {
                throw new UserRefused(UserRefused.Reason.UNKNOWN_USER, "there is no user " + user);
            }
            UserBackup b = new UserBackupRepository().find(tx, replica).orElseThrow(() -> new UserRefused(
                    UserRefused.Reason.UNKNOWN_BACKUP, replica + " is not a user's backup canister"));
            if (!b.principal().equals(user)) {
                throw new UserRefused(UserRefused.Reason.NOT_OWNER, "backup canister " + replica + " is not " + user
                        + "'s");
            }
            if (b.state() == UserBackup.State.DELETED) {
                throw new UserRefused(UserRefused.Reason.INVALID, "backup canister " + replica + " had its generations"
                        + " deleted; there is nothing to take");
            }
            Replica r = new ReplicaRepository().find(tx, replica).orElseThrow();
            ProtectedCanister c = new CanisterRepository().findActive(tx, b.canister()).orElseThrow(() -> new UserRefused(
                    UserRefused.Reason.UNKNOWN_CANISTER, "canister " + b.canister() + " is no longer protected"));
            return new Found(b, r, c, detachCharge(tx, user, replica));
        });
        if (found.backup().state() == UserBackup.State.DETACHED) {
            return new Detached(found.backup(), found.charged().orElseThrow());
        }

        // Whether the IC controllers were already handed over: then only the records are left.
        Optional<CanisterStatus> status;
        try {
            status = Optional.of(gateway.canisterStatus(replica));
        } catch (NotAControllerException handedOver) {
            status = Optional.empty();
        }
        UserEntry charge;
        if (found.charged().isPresent()) {
            charge = found.charged().get();
        } else {
            BigInteger holds = status.orElseThrow(() -> new IllegalStateException("backup canister " + replica
                    + " no longer has the coordinator as a controller but no detach was charged")).cycles();
            BigInteger balance = accounts.account(user).balance();
            if (balance.compareTo(holds) < 0) {
                throw new UserRefused(UserRefused.Reason.INSUFFICIENT_BALANCE, "backup canister " + replica + " holds "
                        + holds + " cycles, which detaching charges to the account, and user " + user + " has " + balance
                        + "; deposit " + holds.subtract(balance) + " more");
            }
            step.accept("taking " + replica + " off the allow-list of " + found.canister().liveCanister());
            new AppReplicationClient(gateway).disallow(found.canister().liveCanister(), replica);
            charge = db.inTransaction(tx -> {
                new UserRepository().lock(tx, user);
                Optional<UserEntry> earlier = detachCharge(tx, user, replica);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
                BigInteger now = new UserLedger().balance(tx, user);
                if (now.compareTo(holds) < 0) {
                    throw new UserRefused(UserRefused.Reason.INSUFFICIENT_BALANCE, "backup canister " + replica
                            + " holds " + holds + " cycles and user " + user + " has " + now);
                }
                return new UserLedger().record(tx, UserEntry.New.charge(user, UserEntry.Kind.DETACH, holds, replica, null,
                        "the cycles backup canister " + replica + " held when " + user + " took it"));
            });
        }
        if (status.isPresent()) {
            step.accept("making " + user + " the only coordinator of " + replica);
            try {
                new BackupCanisterClient(gateway).setCoordinators(replica, List.of(user));
            } catch (IcRejectedException e) {
                // an earlier attempt already handed the list over: the coordinator is no longer on it
                if (!e.rejectMessage().contains("NOT_ALLOWED")) {
                    throw e;
                }
            }
            step.accept("making " + user + " the only controller of " + replica);
            gateway.updateSettings(replica, List.of(user));
        }
        UserBackup detached = db.inTransaction(tx -> {
            ReplicaRepository replicas = new ReplicaRepository();
            Replica.Status was = replicas.find(tx, replica).orElseThrow().status();
            if (was != Replica.Status.DETACHED) {
                replicas.transition(tx, replica, was, Replica.Status.DETACHED);
            }
            UserBackupRepository backups = new UserBackupRepository();
            UserBackup b = backups.find(tx, replica).orElseThrow();
            UserBackup after = b.state() == UserBackup.State.DETACHED ? b
                    : backups.transition(tx, replica, b.state(), UserBackup.State.DETACHED);
            new AuditLog().record(tx, actor, "user.detach", user.text(), Map.of("replica", replica.text(), "canister",
                    found.canister().id().text(), "charged", charge.amount().toString()));
            return after;
        });
        schedules.remove(replica);
        accounts.reassess(user, actor);
        return new Detached(detached, charge);
    }

    private static Optional<UserEntry> detachCharge(java.sql.Connection tx, PrincipalId user, PrincipalId replica)
            throws java.sql.SQLException {
        return new UserLedger().entries(tx, user, null, null).stream()
                .filter(e -> e.kind() == UserEntry.Kind.DETACH && e.replica().map(replica::equals).orElse(false))
                .findFirst();
    }
}
