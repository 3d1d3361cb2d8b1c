package org.replicator.coordinator.failover;

import java.time.Duration;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.restore.RestoreDriver;
import org.replicator.coordinator.store.Database;

/** What promotion, fencing and fail-back share: the database, the IC and the restore machinery. */
public record FailoverContext(Database db, IcGateway gateway, AppReplicationClient apps, BackupCanisterClient backups,
        CyclesFunding funding, Duration pollInterval) {

    public static FailoverContext connected(Database db, IcGateway gateway, CyclesFunding funding, Duration pollInterval) {
        return new FailoverContext(db, gateway, new AppReplicationClient(gateway), new BackupCanisterClient(gateway),
                funding, pollInterval);
    }

    RestoreDriver restoreDriver() {
        return new RestoreDriver(db, gateway, apps, backups, funding, pollInterval);
    }

    void pause() {
        pause(pollInterval);
    }

    void pause(Duration how) {
        try {
            Thread.sleep(how.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
