package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.rows;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quartz.Scheduler;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.store.Database;

/**
 * Scheduled replication on Quartz's JDBC job store in the coordinator's database: `schedule set`
 * writes the schedule, a started scheduler fires runs (full first, then incremental), and the
 * retention policy drops what it does not keep, from the backup canisters and the database alike.
 */
class ScheduledReplicationTest extends WorldTest {
    @Test
    void aScheduleFiresRunsFullThenIncrementalAndRetentionKeepsTheNewestGenerations() throws Exception {
        world.protectedApp(db, 1, 41, "demo", 2);
        CliRunner.Result set = ok(cli("schedule", "set", "demo", "--every", "1s", "--keep-last", "2"));
        assertTrue(set.out().contains("every PT1S") && set.out().contains("keep last 2"), set.out());

        try (Database database = Database.open(db)) {
            Scheduler scheduler = ScheduledReplication.scheduler(database, () -> world.gateway, Duration.ofSeconds(1),
                    new RunProgress() { });
            scheduler.start();
            try {
                RecordingProgress.await("three sealed scheduled runs", Duration.ofMinutes(3),
                        () -> (long) scalar(db, "SELECT count(*) FROM runs WHERE state = 'sealed'") >= 3);
            } finally {
                scheduler.shutdown(true);
            }
        }
        List<List<Object>> runs = rows(db, "SELECT kind, state FROM runs ORDER BY run_id");
        assertEquals(List.of("full", "sealed"), runs.get(0), "the first run is full");
        assertEquals(List.of("incremental", "sealed"), runs.get(1), "then incremental");
        assertEquals(0L, scalar(db, "SELECT count(*) FROM (SELECT canister_id FROM runs WHERE state NOT IN"
                + " ('sealed', 'failed', 'cancelled') GROUP BY canister_id HAVING count(*) > 1) x"), "never two open runs");
        long sealedRuns = (long) scalar(db, "SELECT count(*) FROM runs WHERE state = 'sealed'");
        assertEquals(2 * sealedRuns - 4, (long) scalar(db, "SELECT count(*) FROM generations WHERE deleted_at IS NOT NULL"),
                "two replicas keep their newest two generations each, the rest are dropped");
        for (List<Object> replica : rows(db, "SELECT replica_id FROM replicas")) {
            assertEquals(2, world.backups.generations(ReplicationWorld.id(
                    org.replicator.localnet.ids.Principal.fromText((String) replica.get(0)))).size(),
                    "the backup canister holds exactly what the database says it keeps");
        }
        assertTrue((long) scalar(db, "SELECT count(*) FROM audit_events WHERE action = 'schedule.run'") >= 3);

        CliRunner.Result listed = ok(cli("schedule", "list", "--json"));
        assertTrue(listed.out().contains("\"next_fire\""), listed.out());
        ok(cli("schedule", "pause", "demo"));
        assertTrue(ok(cli("schedule", "list")).out().contains("(paused)"));
        ok(cli("schedule", "resume", "demo"));
        ok(cli("schedule", "remove", "demo"));
        assertTrue(ok(cli("schedule", "list")).out().contains("no schedules"));
    }

    @Test
    void badSchedulesAreRefusedWithNothingWritten() {
        world.protectedApp(db, 1, 42, "demo", 1);
        CliRunner.Result cron = cli("schedule", "set", "demo", "--cron", "every day");
        assertEquals(ExitCodes.FAILURE, cron.code(), cron.err());
        assertTrue(cron.err().contains("is not a Quartz cron expression"), cron.err());
        CliRunner.Result unknown = cli("schedule", "set", "nope", "--every", "1h");
        assertEquals(ExitCodes.FAILURE, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("no protected canister is called nope"), unknown.err());
        CliRunner.Result both = cli("schedule", "set", "demo", "--every", "1h", "--cron", "0 0 * * * ?");
        assertEquals(ExitCodes.USAGE, both.code(), both.err());
        CliRunner.Result neither = cli("schedule", "set", "demo");
        assertEquals(ExitCodes.USAGE, neither.code(), neither.err());
        CliRunner.Result keep = cli("schedule", "set", "demo", "--every", "1h", "--keep-last", "0");
        assertEquals(ExitCodes.USAGE, keep.code(), keep.err());
        CliRunner.Result paused = cli("schedule", "pause", "demo");
        assertNotEquals(0, paused.code());
        assertTrue(paused.err().contains("has no schedule"), paused.err());
        assertEquals(0L, scalar(db, "SELECT count(*) FROM schedules"));
        assertEquals(0L, scalar(db, "SELECT count(*) FROM qrtz_triggers"));
    }
}
