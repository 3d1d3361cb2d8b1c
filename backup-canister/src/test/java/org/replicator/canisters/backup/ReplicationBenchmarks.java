package org.replicator.canisters.backup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.bench.BenchmarkReport;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/**
 * Canister-to-canister replication on the localnet: the demo app on subnet 1 filled once, then
 * for each chunk size a fresh backup canister on subnet 2 takes a full generation and, after 1 %
 * of the data changed, an incremental one. Measures pull throughput (sync to sealed, including
 * the source's hashing at begin) and the instructions and cycles the source and the backup
 * canister spend per MiB, from the localnet's per-canister counters. Writes its section of
 * docs/benchmarks.md; run by scripts/bench.
 */
public final class ReplicationBenchmarks {
    private static final long MIB = 1024 * 1024;
    private static final long IMAGE_MIB = 32;
    private static final int PARALLELISM = 8;
    private static final long[] CHUNK_SIZES = {64 * 1024, 256 * 1024, MIB, 1984 * 1024};

    private final BenchmarkReport report = new BenchmarkReport("canisters", "Canisters: replication");

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
        System.out.println("Replication benchmarks on " + BenchmarkReport.machine());
        new ReplicationBenchmarks().run(out);
        System.out.println("written to " + out);
    }

    /** What one generation cost, from the localnet's counters before and after. */
    private record Cost(long imageBytes, long bytesFetched, double seconds, long sourceInstructions, long sourceCycles,
            long backupInstructions, long backupCycles) {
        double mib() {
            return imageBytes / (double) MIB;
        }

        double fetchedMib() {
            return bytesFetched / (double) MIB;
        }
    }

    private void run(Path out) throws Exception {
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); IcClient ic = IcClient.forNet(net)) {
            BackupFixture f = new BackupFixture(ic);
            DemoAppFixture demo = new DemoAppFixture(ic);
            Principal app = demo.deploy(1, null);
            demo.fill(app, IMAGE_MIB, 1);
            List<long[]> sweep = new ArrayList<>();
            for (long chunk : CHUNK_SIZES) {
                // An upgrade with a new chunk size keeps the data and drops the cached chunk
                // hashes, so each full generation pays the source's whole hashing again.
                ic.install(app, DemoAppFixture.DEMO_WASM, "upgrade", DemoAppFixture.initArg(chunk));
                Principal backup = f.backup(2, app, PARALLELISM);
                demo.allow(app, backup);
                Cost full = generation(net, f, app, backup);
                long changed = demo.mutate(app, full.imageBytes() / 100, chunk);
                Cost inc = generation(net, f, app, backup);
                String size = kib(chunk);
                report.row("full generation, " + size + " chunks", String.format("%.1f MiB/s", full.mib() / full.seconds()),
                        String.format("%.0f MiB in %.2f s; per MiB: source %s instructions, %s cycles; backup %s instructions, %s cycles",
                                full.mib(), full.seconds(), m(full.sourceInstructions() / full.mib()),
                                m(full.sourceCycles() / full.mib()), m(full.backupInstructions() / full.mib()),
                                m(full.backupCycles() / full.mib())));
                report.row("incremental generation after 1 % changed, " + size + " chunks",
                        String.format("%.2f s, %.2f %% transferred", inc.seconds(), 100.0 * inc.bytesFetched() / inc.imageBytes()),
                        String.format("%s changed, %s fetched; per MiB fetched: source %s instructions, %s cycles; backup %s instructions, %s cycles",
                                kib(changed), kib(inc.bytesFetched()), m(inc.sourceInstructions() / inc.fetchedMib()),
                                m(inc.sourceCycles() / inc.fetchedMib()), m(inc.backupInstructions() / inc.fetchedMib()),
                                m(inc.backupCycles() / inc.fetchedMib())));
                sweep.add(new long[] {chunk, (long) ((full.sourceCycles() + full.backupCycles()) / full.mib()),
                        (long) ((inc.sourceCycles() + inc.backupCycles()) / Math.max(inc.fetchedMib(), 1e-9)),
                        inc.bytesFetched()});
            }
            long[] best = sweep.get(0);
            long[] leastIncremental = sweep.get(0);
            for (long[] s : sweep) {
                best = s[1] < best[1] ? s : best;
                leastIncremental = s[3] < leastIncremental[3] ? s : leastIncremental;
            }
            report.row("chunk size with the fewest cycles per MiB, full generation", kib(best[0]),
                    String.format("%s cycles per MiB, source and backup together", m(best[1])));
            report.row("chunk size transferring least after a 1 % change", kib(leastIncremental[0]),
                    String.format("%s fetched", kib(leastIncremental[3])));
            report.note(String.format("The demo app (stable-memory style) holds %d MiB of generated users, posts and pictures on "
                    + "subnet 1; each backup canister runs on subnet 2 with %d reads in flight. A full generation is timed from "
                    + "`sync` to `sealed` and includes the source's hashing of the whole image at `replication_begin` (the chunk "
                    + "size is changed by an upgrade, which drops the cached chunk hashes). The 1 %% change rewrites picture "
                    + "bytes with the app's `mutate`. Instructions and cycles are the localnet's per-canister counters (execution, "
                    + "calls and transmission by the fee table, storage); cycles at the backup canister are dominated by the "
                    + "1,000 cycles per byte a cross-subnet reply costs.", IMAGE_MIB, PARALLELISM));
            report.writeTo(out);
        }
    }

    private static Cost generation(LocalNet net, BackupFixture f, Principal app, Principal backup) throws InterruptedException {
        CanisterReport s0 = net.control().canister(app).orElseThrow();
        CanisterReport b0 = net.control().canister(backup).orElseThrow();
        long t0 = System.nanoTime();
        f.sync(backup);
        Object st = f.status(backup);
        while (!List.of("sealed", "paused", "failed").contains(BackupFixture.runState(st))) {
            // A benchmark polls gently: status queries share the cores with the canisters measured.
            Thread.sleep(10);
            st = f.status(backup);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!BackupFixture.runState(st).equals("sealed")) {
            throw new IllegalStateException("the run did not seal: " + st);
        }
        CanisterReport s1 = net.control().canister(app).orElseThrow();
        CanisterReport b1 = net.control().canister(backup).orElseThrow();
        Object run = BackupFixture.run(st);
        Object[] gens = f.generations(backup);
        long size = Candid.u64(gens[gens.length - 1], "size");
        return new Cost(size, Candid.u64(run, "bytes_fetched"), seconds, s1.instructionsExecuted() - s0.instructionsExecuted(),
                s1.cyclesCharged() - s0.cyclesCharged(), b1.instructionsExecuted() - b0.instructionsExecuted(),
                b1.cyclesCharged() - b0.cyclesCharged());
    }

    private static String kib(long bytes) {
        return bytes % MIB == 0 ? (bytes / MIB) + " MiB" : (bytes / 1024) + " KiB";
    }

    /** Large counts in millions, readable in a table. */
    private static String m(double n) {
        return String.format("%,.1f M", n / 1e6);
    }
}
