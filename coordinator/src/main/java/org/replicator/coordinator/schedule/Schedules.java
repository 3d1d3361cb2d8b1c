package org.replicator.coordinator.schedule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.ScheduleBuilder;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.ProtectedCanister;

/**
 * Sets, pauses, resumes and removes schedules: the coordinator's row and the Quartz job and trigger
 * derived from it. Works on a scheduler that need not be started (`replicator schedule …` only
 * writes; `replicator serve` runs the jobs).
 *
 * <p>Misfires: a firing missed because no coordinator was running is made up once as soon as one
 * is, not once per missed firing (cron: fire once now; interval: fire now, then keep the interval).
 */
public final class Schedules {
    static final String GROUP = "replication";

    private final Database db;
    private final Scheduler scheduler;
    private final ScheduleRepository schedules = new ScheduleRepository();

    public Schedules(Database db, Scheduler scheduler) {
        this.db = db;
        this.scheduler = scheduler;
    }

    /** A schedule as listed: with the next time Quartz will fire it. */
    public record Listed(Schedule schedule, Optional<Instant> nextFire, Optional<Instant> previousFire) {
    }

    public Schedule set(String canister, Schedule wanted, String actor) {
        ProtectedCanister c = canister(canister);
        wanted.cron().ifPresent(expr -> {
            if (!CronExpression.isValidExpression(expr)) {
                throw new ScheduleRefused("\"" + expr + "\" is not a Quartz cron expression (seconds minutes hours"
                        + " day-of-month month day-of-week, e.g. \"0 0/15 * * * ?\" every 15 minutes)");
            }
        });
        Schedule s = new Schedule(c.id(), wanted.cron(), wanted.every(), wanted.fullEvery(), wanted.retention(),
                wanted.paused());
        Schedule stored = db.inTransaction(tx -> {
            Schedule x = schedules.upsert(tx, s);
            new AuditLog().record(tx, actor, "schedule.set", c.id().text(), Map.of("schedule", x.describe()));
            return x;
        });
        JobDetail job = JobBuilder.newJob(ReplicationJob.class).withIdentity(jobKey(c.id()))
                .usingJobData(ReplicationJob.CANISTER, c.id().text()).storeDurably().requestRecovery(true).build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(triggerKey(c.id())).forJob(job)
                .withSchedule(scheduleOf(stored)).startNow().build();
        quartz(() -> {
            scheduler.scheduleJob(job, Set.of(trigger), true);
            if (stored.paused()) {
                scheduler.pauseJob(job.getKey());
            }
        });
        return stored;
    }

    public Schedule pause(String canister, boolean paused, String actor) {
        ProtectedCanister c = canister(canister);
        Schedule s = db.inTransaction(tx -> {
            if (!schedules.setPaused(tx, c.id(), paused)) {
                throw new ScheduleRefused("canister " + c.id() + " has no schedule; set one with `replicator schedule"
                        + " set " + canister + "`");
            }
            new AuditLog().record(tx, actor, paused ? "schedule.pause" : "schedule.resume", c.id().text(), Map.of());
            return schedules.find(tx, c.id()).orElseThrow();
        });
        quartz(() -> {
            if (paused) {
                scheduler.pauseJob(jobKey(c.id()));
            } else {
                scheduler.resumeJob(jobKey(c.id()));
            }
        });
        return s;
    }

    public void remove(String canister, String actor) {
        ProtectedCanister c = canister(canister);
        db.inTransaction(tx -> {
            if (!schedules.delete(tx, c.id())) {
                throw new ScheduleRefused("canister " + c.id() + " has no schedule");
            }
            new AuditLog().record(tx, actor, "schedule.remove", c.id().text(), Map.of());
            return null;
        });
        quartz(() -> scheduler.deleteJob(jobKey(c.id())));
    }

    public List<Listed> list() {
        List<Listed> out = new ArrayList<>();
        for (Schedule s : db.inTransaction(schedules::list)) {
            Trigger t = quartzValue(() -> scheduler.getTrigger(triggerKey(s.canister())));
            out.add(new Listed(s, Optional.ofNullable(t).map(Trigger::getNextFireTime).map(d -> d.toInstant()),
                    Optional.ofNullable(t).map(Trigger::getPreviousFireTime).map(d -> d.toInstant())));
        }
        return out;
    }

    static JobKey jobKey(PrincipalId canister) {
        return new JobKey(canister.text(), GROUP);
    }

    static TriggerKey triggerKey(PrincipalId canister) {
        return new TriggerKey(canister.text(), GROUP);
    }

    private static ScheduleBuilder<? extends Trigger> scheduleOf(Schedule s) {
        if (s.cron().isPresent()) {
            return CronScheduleBuilder.cronSchedule(s.cron().get()).inTimeZone(TimeZone.getTimeZone("UTC"))
                    .withMisfireHandlingInstructionFireAndProceed();
        }
        return SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(s.every().orElseThrow().toMillis())
                .repeatForever().withMisfireHandlingInstructionNowWithExistingCount();
    }

    private ProtectedCanister canister(String ref) {
        return db.inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, ref))
                .orElseThrow(() -> new ScheduleRefused("no protected canister is called " + ref
                        + "; see `replicator canister list`"));
    }

    private interface QuartzWork {
        void run() throws SchedulerException;
    }

    private interface QuartzValue<T> {
        T get() throws SchedulerException;
    }

    private static void quartz(QuartzWork work) {
        quartzValue(() -> {
            work.run();
            return null;
        });
    }

    private static <T> T quartzValue(QuartzValue<T> work) {
        try {
            return work.get();
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler's tables could not be changed: " + e.getMessage(), e);
        }
    }
}
