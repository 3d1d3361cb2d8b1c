package org.replicator.coordinator.users;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.Database;

/**
 * The billing sweep as one Quartz job of the coordinators' cluster: it fires on one `replicator
 * serve` per interval, never on two at once.
 */
@DisallowConcurrentExecution
public final class StorageBillingJob implements Job {
    public static final JobKey JOB = new JobKey("storage", "billing");
    static final TriggerKey TRIGGER = new TriggerKey("storage", "billing");
    static final String ACTOR = "billing";

    private final Database db;
    private final Supplier<StorageBilling> billing;

    /** {@code billing} is asked for at each firing, so the IC gateway is only opened when a sweep runs. */
    public StorageBillingJob(Database db, Supplier<StorageBilling> billing) {
        this.db = db;
        this.billing = billing;
    }

    /**
     * Schedules the sweep every {@code interval}, first firing now. A trigger already there with the
     * same interval is kept (another coordinator of the cluster set it); a different interval
     * replaces it: the last `replicator serve` started decides.
     */
    public static void schedule(Scheduler scheduler, Duration interval) throws SchedulerException {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the billing interval must be positive, not " + interval);
        }
        Trigger existing = scheduler.getTrigger(TRIGGER);
        if (existing instanceof SimpleTrigger t && t.getRepeatInterval() == interval.toMillis()) {
            return;
        }
        JobDetail job = JobBuilder.newJob(StorageBillingJob.class).withIdentity(JOB).storeDurably().build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(TRIGGER).forJob(job).startNow()
                .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(interval.toMillis())
                        .repeatForever().withMisfireHandlingInstructionNextWithRemainingCount())
                .build();
        scheduler.scheduleJob(job, Set.of(trigger), true);
    }

    @Override
    public void execute(JobExecutionContext context) throws JobExecutionException {
        try {
            StorageBilling.Sweep sweep = billing.get().sweep(ACTOR);
            db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "billing.sweep", null, Map.of(
                    "charged", sweep.charged().size(), "first_readings", sweep.firstReadings().size(),
                    "skipped", sweep.skipped().size(), "deleted", sweep.deleted().size(),
                    "fired_at", context.getFireTime().toInstant().toString())));
        } catch (RuntimeException e) {
            db.inTransaction(tx -> new AuditLog().record(tx, ACTOR, "billing.failed", null,
                    Map.of("error", String.valueOf(e.getMessage()))));
            throw new JobExecutionException(e, false);
        }
    }
}
