package org.replicator.coordinator.schedule;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import org.quartz.Scheduler;
import org.quartz.spi.JobFactory;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.engine.EngineSettings;
import org.replicator.coordinator.engine.Owner;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.users.RunCharges;
import org.replicator.coordinator.users.StorageBilling;
import org.replicator.coordinator.users.StorageBillingJob;
import org.replicator.coordinator.users.UserAccounts;
import org.replicator.coordinator.users.UserReplicationJob;
import org.replicator.coordinator.users.UserSchedules;

/**
 * Wires the scheduler of one coordinator process: Quartz asks this factory for each firing's job,
 * so jobs get their dependencies through their constructor (no reflection on our classes). The IC
 * gateway is only opened when a job fires, so `replicator schedule …` never needs the network.
 */
public final class ScheduledReplication {
    private ScheduledReplication() {
    }

    public static Scheduler scheduler(Database db, Supplier<IcGateway> gateway, Duration checkinInterval,
            RunProgress progress) {
        return scheduler(db, gateway, checkinInterval, progress, UserAccounts.DEFAULT_GRACE);
    }

    /** {@code grace}: how long a paused user's generations are kept before they may be deleted. */
    public static Scheduler scheduler(Database db, Supplier<IcGateway> gateway, Duration checkinInterval,
            RunProgress progress, Duration grace) {
        Function<String, ReplicationEngine> engines = owner -> ReplicationEngine.connected(db, gateway.get(),
                EngineSettings.defaults(), Owner.current("serve"), progress);
        JobFactory jobs = (bundle, scheduler) -> {
            Retention retention = new Retention(db, new BackupCanisterClient(gateway.get()));
            if (bundle.getJobDetail().getJobClass() == UserReplicationJob.class) {
                return new UserReplicationJob(db, engines, retention, new RunCharges(db),
                        new UserAccounts(db, new UserSchedules(scheduler), grace), Clock.systemUTC());
            }
            if (bundle.getJobDetail().getJobClass() == StorageBillingJob.class) {
                UserSchedules schedules = new UserSchedules(scheduler);
                FeeTable fees = FeeTable.load();
                return new StorageBillingJob(db, () -> new StorageBilling(db, gateway.get(), fees,
                        fees.referenceSubnetSize(), new UserAccounts(db, schedules, grace), schedules));
            }
            return new ReplicationJob(db, engines, retention, Clock.systemUTC());
        };
        return QuartzClusters.scheduler(db, jobs, checkinInterval);
    }
}
