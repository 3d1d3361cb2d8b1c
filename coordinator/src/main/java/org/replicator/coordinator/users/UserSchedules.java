package org.replicator.coordinator.users;

import java.util.Set;
import java.util.TimeZone;
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
import org.replicator.coordinator.store.UserBackup;

/**
 * The Quartz jobs of users' backups, one per backup canister, in the same clustered scheduler as
 * the canisters' own schedules (same misfire policy). Works on a scheduler that need not be
 * started: only `replicator serve` runs the jobs.
 */
public final class UserSchedules {
    static final String GROUP = "user-replication";

    private final Scheduler scheduler;

    public UserSchedules(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    public void schedule(UserBackup b) {
        JobDetail job = JobBuilder.newJob(UserReplicationJob.class).withIdentity(jobKey(b.replica()))
                .usingJobData(UserReplicationJob.REPLICA, b.replica().text()).storeDurably().requestRecovery(true)
                .build();
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(new TriggerKey(b.replica().text(), GROUP)).forJob(job)
                .withSchedule(scheduleOf(b)).startNow().build();
        quartz(() -> {
            scheduler.scheduleJob(job, Set.of(trigger), true);
            if (b.state() != UserBackup.State.ACTIVE) {
                scheduler.pauseJob(job.getKey());
            }
        });
    }

    public void pause(PrincipalId replica) {
        quartz(() -> scheduler.pauseJob(jobKey(replica)));
    }

    public void resume(PrincipalId replica) {
        quartz(() -> scheduler.resumeJob(jobKey(replica)));
    }

    public void remove(PrincipalId replica) {
        quartz(() -> scheduler.deleteJob(jobKey(replica)));
    }

    static JobKey jobKey(PrincipalId replica) {
        return new JobKey(replica.text(), GROUP);
    }

    private static ScheduleBuilder<? extends Trigger> scheduleOf(UserBackup b) {
        if (b.cron().isPresent()) {
            return CronScheduleBuilder.cronSchedule(b.cron().get()).inTimeZone(TimeZone.getTimeZone("UTC"))
                    .withMisfireHandlingInstructionFireAndProceed();
        }
        return SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(b.every().orElseThrow().toMillis())
                .repeatForever().withMisfireHandlingInstructionNowWithExistingCount();
    }

    private interface QuartzWork {
        void run() throws SchedulerException;
    }

    private static void quartz(QuartzWork work) {
        try {
            work.run();
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler's tables could not be changed: " + e.getMessage(), e);
        }
    }
}
