package org.replicator.coordinator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;

/** The failover benchmark at a small size, so its code keeps working between benchmark runs. */
class FailoverBenchmarksTest {
    @TempDir
    Path dir;

    @Test
    void restoresPromotionsFenceAndFailBackAreMeasuredAndEveryCopyHoldsTheExpectedData() throws Exception {
        FailoverBenchmarks.Outcome o;
        Duration promoteAfter = Duration.ofSeconds(1);
        Duration interval = Duration.ofMillis(200);
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); PostgresForTests postgres = PostgresForTests.start();
                BenchWorld world = new BenchWorld(net, postgres.freshDatabase(), BenchWorld.writeIdentity(dir))) {
            o = new FailoverBenchmarks(world, System.out::println).run(2, 256 * 1024, promoteAfter, interval);
        }
        assertEquals(List.of(), o.failures(), "every restore and promotion holds the expected checksum");
        assertEquals(3, o.restores().size(), "same subnet, another subnet, the original");
        for (FailoverBenchmarks.Restore r : o.restores()) {
            assertTrue(r.cycles().signum() > 0 && r.targetMessages() > 0, r.toString());
        }
        assertTrue(o.manualRto().compareTo(o.promoteCommand()) >= 0, "the RTO includes the promote command");
        // the audit rows are written just after the watch reads its clock, so they may sit a little closer
        assertTrue(o.autoDetection().minus(o.autoFirstFailed()).compareTo(promoteAfter.minusMillis(100)) >= 0,
                "the watch does not promote before its checks have failed for --promote-after: " + o.autoDetection());
        assertTrue(o.autoRto().compareTo(o.autoDetection()) > 0);
        assertTrue(o.writesNotCarried() != null && o.writesNotCarried() >= 1,
                "the fence counted the writes after the last generation: " + o.writesNotCarried());
        assertTrue(o.incrementalFetched() > 0 && o.incrementalFetched() < 2 * o.imageBytes(),
                "the incremental run fetched part of the image: " + o.incrementalFetched());

        Path md = dir.resolve("benchmarks.md");
        Files.writeString(md, "# Benchmarks\n\n<!-- failover:begin -->\nold\n<!-- failover:end -->\n\nafter\n");
        FailoverBenchmarks.writeSection(md, o);
        String written = Files.readString(md);
        assertTrue(written.contains("### RTO: from a subnet halt to a promoted primary answering")
                && written.contains("| 5 min | 5 min + ") && !written.contains("\nold\n")
                && written.endsWith("\nafter\n"), written);
    }
}
