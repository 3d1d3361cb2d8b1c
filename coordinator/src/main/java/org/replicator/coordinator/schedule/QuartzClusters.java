package org.replicator.coordinator.schedule;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.spi.JobFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.replicator.coordinator.store.Database;

/**
 * A Quartz scheduler on the coordinator's own database: the JDBC job store (tables from migration
 * V6), clustered, so that every `replicator serve` on the same database shares the schedules and a
 * killed one's fired jobs are recovered by another. Quartz borrows connections from the
 * coordinator's HikariCP pool rather than opening a pool of its own.
 */
public final class QuartzClusters {
    /** Every coordinator's scheduler has this name: it is what makes them one cluster. */
    public static final String CLUSTER = "replicator";

    private QuartzClusters() {
    }

    public static Scheduler scheduler(Database db, JobFactory jobs, Duration checkinInterval) {
        String source = "replicator-db-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(source, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return db.dataSource().getConnection();
            }

            @Override
            public void shutdown() {
                // the pool belongs to the coordinator's Database, which closes it
            }

            @Override
            public void initialize() {
            }
        });
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", CLUSTER);
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", "2");
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", source);
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        // job data as strings, so the tables stay readable and no Java serialization is involved
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", String.valueOf(checkinInterval.toMillis()));
        p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        try {
            Scheduler s = new StdSchedulerFactory(p).getScheduler();
            s.setJobFactory(jobs);
            return s;
        } catch (SchedulerException e) {
            throw new IllegalStateException("the scheduler could not be set up on " + db.description() + ": "
                    + e.getMessage(), e);
        }
    }
}
