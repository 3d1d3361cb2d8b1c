package org.replicator.coordinator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;

/** The benchmark's two methods at a small size, so its code keeps working between benchmark runs. */
class CoordinatorBenchmarksTest {
    @TempDir
    Path dir;

    @Test
    void bothMethodsCopyTheImageFaithfullyAndOnlyTheBaselinePassesItThroughTheCoordinator() throws Exception {
        CoordinatorBenchmarks.Outcome o;
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); PostgresForTests postgres = PostgresForTests.start();
                BenchWorld world = new BenchWorld(net, postgres.freshDatabase(), BenchWorld.writeIdentity(dir))) {
            o = new CoordinatorBenchmarks(world).run(2, 64 * 1024, 4, System.out::println);
        }
        assertEquals(List.of(), o.failures(), "roots and checksums of both copies equal the source's");
        assertTrue(o.chunkCount() >= 32, "2 MiB in 64 KiB chunks: " + o.chunkCount());
        assertEquals(o.imageBytes(), o.replicator().bytesCopied(), "the backup canister fetched the whole image");
        assertEquals(o.imageBytes(), o.baseline().bytesCopied(), "the baseline copied the whole image");
        assertTrue(o.baseline().traffic().bytes() > 2 * o.imageBytes(),
                "the baseline downloads and uploads every byte: " + o.baseline().traffic());
        assertTrue(o.replicator().traffic().bytes() < o.imageBytes() / 4,
                "Replicator's coordinator only sends control messages: " + o.replicator().traffic());
        assertEquals(o.chunkCount(), o.baseline().traffic().queryCalls(), "one query per chunk");
        assertTrue(o.incremental().bytesCopied() < o.imageBytes(), "the incremental run fetched "
                + o.incremental().bytesCopied() + " of " + o.imageBytes() + " bytes");
        assertTrue(o.replicator().cycles().signum() > 0 && o.baseline().cycles().signum() > 0);

        Path md = dir.resolve("benchmarks.md");
        Files.writeString(md, "# Benchmarks\n\n<!-- coordinator:begin -->\nold\n<!-- coordinator:end -->\n\nafter\n");
        CoordinatorBenchmarks.writeSection(md, o);
        String written = Files.readString(md);
        assertTrue(written.contains("| method | wall time | bytes through the coordinator | cycles charged | messages |")
                && !written.contains("old") && written.endsWith("\nafter\n"), written);
    }
}
