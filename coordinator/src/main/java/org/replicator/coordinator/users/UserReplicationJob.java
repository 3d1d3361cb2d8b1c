package org.replicator.coordinator.users;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.schedule.Retention;
import org.replicator.coordinator.schedule.RetentionPolicy;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunRepository;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserBackup;
import org.replicator.coordinator.store.UserBackupRepository;
import org.replicator.coordinator.store.UserRepository;

/**
 * One firing of a user's schedule: a run into their backup canister alone, charged to them once
 * sealed, then their retention. The canister's own runs and other users' share the one-open-run
 * rule: a firing that finds another run open skips (the next firing catches up, as an incremental
 * run), while its own unfinished run (a killed coordinator's) is resumed.
 */
@DisallowConcurrentExecution
public final class UserReplicationJob implements Job {
    static final String REPLICA = "replica";
    static final String ACTOR = "user-schedule";

    private final Database db;
    private final Function<String, ReplicationEngine> engines;
    private final Retention retention;
    private final RunCharges charges;
    private final UserAccounts accounts;
    private final Clock clock;

    public UserReplicationJob(Database db, Function<String, ReplicationEngine> engines, Retention retention,
            RunCharges charges, UserAccounts accounts, Clock clock) {
        this.db = db;
        this.engines = engines;
        this.retention = retention;
        this.charges = charges;
        this.accounts = accounts;
        this.clock = clock;
    }

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        PrincipalId replica = new PrincipalId(context.getMergedJobDataMap().getString(REPLICA));
        Optional<UserBackup> backup = db.inTransaction(tx -> new UserBackupRepository().find(tx, replica));
        if (backup.isEmpty() || backup.get().state() != UserBackup.State.ACTIVE) {
            return;
        }
        UserBackup b = backup.get();
        User user = db.inTransaction(tx -> new UserRepository().find(tx, b.principal())).orElseThrow();
        if (user.status() == User.Status.PAUSED || user.status() == User.Status.CLOSED) {
            return;
        }
        ReplicationEngine engine = engines.apply(replica.text());
        try {
            Optional<Run> open = engine.unfinishedOf(b.canister().text());
            Run run;
            if (open.isPresent()) {
                List<PrincipalId> parts = db.inTransaction(tx -> new RunRepository().parts(tx, open.get().id())).stream()
                        .map(p -> p.replica()).toList();
                if (!parts.equals(List.of(replica))) {
                    db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "user.run.skipped", b.principal().text(),
                            Map.of("replica", replica.text(), "busy_with_run", open.get().id())));
                    return;
                }
                run = open.get();
            } else {
                engine.awaitRoomForARun(true);
                run = engine.planInto(replica, b.canister().text(), kind(b), null, ACTOR);
            }
            Run done = engine.drive(run.id(), true);
            db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "user.run", b.principal().text(), Map.of("run",
                    done.id(), "replica", replica.text(), "kind", done.kind().name().toLowerCase(), "state",
                    done.state().name().toLowerCase())));
            if (done.state() == Run.State.SEALED) {
                charges.chargeOutstanding(ACTOR);
                Replica r = db.inTransaction(tx -> new ReplicaRepository().find(tx, replica)).orElseThrow();
                retention.applyTo(r, new RetentionPolicy(b.keepLast(), 0, 0), ACTOR);
                accounts.reassess(b.principal(), ACTOR);
            }
        } catch (RuntimeException e) {
            db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "user.run.failed", b.principal().text(),
                    Map.of("replica", replica.text(), "error", e.getMessage() == null ? e.toString() : e.getMessage())));
            throw new JobExecutionException(e, false);
        }
    }

    private Run.Kind kind(UserBackup b) {
        Optional<Instant> lastFull = db.inTransaction(tx -> new UserBackupRepository().lastFullSealedAt(tx, b.replica()));
        if (lastFull.isEmpty()) {
            return Run.Kind.FULL;
        }
        return b.fullEvery().filter(every -> lastFull.get().plus(every).isBefore(clock.instant())).isPresent()
                ? Run.Kind.FULL : Run.Kind.INCREMENTAL;
    }
}
