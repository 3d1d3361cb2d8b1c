package org.replicator.coordinator.schedule;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.quartz.Scheduler;
import org.quartz.spi.JobFactory;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.engine.EngineSettings;
import org.replicator.coordinator.engine.Owner;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.Database;

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
        JobFactory jobs = (bundle, scheduler) -> new ReplicationJob(db,
                canister -> ReplicationEngine.connected(db, gateway.get(), EngineSettings.defaults(),
                        Owner.current("serve"), progress),
                new Retention(db, new BackupCanisterClient(gateway.get())), Clock.systemUTC());
        return QuartzClusters.scheduler(db, jobs, checkinInterval);
    }
}
