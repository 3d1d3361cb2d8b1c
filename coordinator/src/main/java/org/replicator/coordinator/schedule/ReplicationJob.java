package org.replicator.coordinator.schedule;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Run;

/**
 * One scheduled firing: resumes the canister's unfinished run (a killed coordinator's, once its
 * lease is gone) or plans a new one, full or incremental as the schedule says, drives it to its end,
 * and applies the retention policy after a sealed run. Quartz never runs two firings of one
 * canister's job at once in the cluster; the database's one-open-run-per-canister rule covers the
 * rest (a manual `replicator replicate` meanwhile).
 */
@DisallowConcurrentExecution
public final class ReplicationJob implements Job {
    static final String CANISTER = "canister";
    static final String ACTOR = "schedule";

    private final Database db;
    private final Function<String, ReplicationEngine> engines;
    private final Retention retention;
    private final Clock clock;

    /** {@code engines} gives an engine for one firing, its owner named after the firing. */
    public ReplicationJob(Database db, Function<String, ReplicationEngine> engines, Retention retention, Clock clock) {
        this.db = db;
        this.engines = engines;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        PrincipalId canister = new PrincipalId(context.getMergedJobDataMap().getString(CANISTER));
        Optional<Schedule> schedule = db.inTransaction(tx -> new ScheduleRepository().find(tx, canister));
        if (schedule.isEmpty() || schedule.get().paused()) {
            return;
        }
        ReplicationEngine engine = engines.apply(canister.text());
        try {
            Run run = engine.unfinishedOf(canister.text()).orElseGet(() -> {
                engine.awaitRoomForARun(true);
                return engine.plan(canister.text(), kind(schedule.get()), null, ACTOR);
            });
            Run done = engine.drive(run.id(), true);
            db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "schedule.run", canister.text(), Map.of("run",
                    done.id(), "kind", done.kind().name().toLowerCase(), "state", done.state().name().toLowerCase(),
                    "fired_at", context.getFireTime().toInstant().toString())));
            if (done.state() == Run.State.SEALED) {
                retention.apply(canister, schedule.get().retention(), ACTOR);
            }
        } catch (RuntimeException e) {
            db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "schedule.failed", canister.text(),
                    Map.of("error", String.valueOf(e.getMessage()))));
            throw new JobExecutionException(e, false);
        }
    }

    private Run.Kind kind(Schedule s) {
        Optional<Instant> lastFull = db.inTransaction(tx -> new ScheduleRepository().lastFullSealedAt(tx, s.canister()));
        if (lastFull.isEmpty()) {
            return Run.Kind.FULL;
        }
        return s.fullEvery().filter(every -> lastFull.get().plus(every).isBefore(clock.instant())).isPresent()
                ? Run.Kind.FULL : Run.Kind.INCREMENTAL;
    }
}
