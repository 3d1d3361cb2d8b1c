package org.replicator.coordinator.bench;

import static org.replicator.coordinator.bench.BenchWorld.giga;
import static org.replicator.coordinator.bench.BenchWorld.kib;
import static org.replicator.coordinator.bench.BenchWorld.replaceSection;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcTraffic;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.engine.EngineSettings;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.protocol.ImageChunk;
import org.replicator.coordinator.protocol.ImageInfo;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Digest;
import org.replicator.coordinator.store.Run;
import org.replicator.localnet.bench.BenchmarkReport;

/**
 * Replicator against the seed thread's download/upload method on one localnet (issue 4's
 * benchmark). The demo app on subnet 1 is copied (a) by the replication engine into a backup
 * canister on subnet 2, canister to canister, the coordinator sending control messages only, and
 * (b) by the coordinator itself: every chunk read by query and written into a fresh demo app on
 * subnet 0 by update ({@code restore_begin}, {@code restore_write}…, {@code restore_commit}), all
 * through ic4j. Then 1 % of the app changes and (a) runs incrementally. Writes its section of
 * docs/benchmarks.md. {@code scripts/bench coordinator [MIB] [CHUNK_KIB] [PARALLELISM]}.
 */
public final class CoordinatorBenchmarks {
    static final long MIB = BenchWorld.MIB;
    static final long DEFAULT_MIB = 256;
    /** Small enough that a 1 % change is a small share of the chunks, large enough to keep per-call costs low. */
    static final long DEFAULT_CHUNK = 256 * 1024;
    /** Chunks in flight, for the backup canister's pulls and for the baseline's own copy alike. */
    static final int DEFAULT_PARALLELISM = 8;
    private static final int SOURCE_SUBNET = 1;
    private static final int REPLICA_SUBNET = 2;
    private static final int BASELINE_SUBNET = 0;

    private final BenchWorld world;
    private final IcGateway gateway;
    private final AppReplicationClient apps;
    private final BackupCanisterClient backups;

    CoordinatorBenchmarks(BenchWorld world) {
        this.world = world;
        this.gateway = world.gateway;
        this.apps = world.apps;
        this.backups = world.backups;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
        long mib = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_MIB;
        long chunk = args.length > 2 ? Long.parseLong(args[2]) * 1024 : DEFAULT_CHUNK;
        int parallelism = args.length > 3 ? Integer.parseInt(args[3]) : DEFAULT_PARALLELISM;
        if (mib <= 0 || chunk <= 0 || chunk % 65536 != 0 || chunk > 1984 * 1024 || parallelism < 1 || parallelism > 64) {
            System.err.println("usage: CoordinatorBenchmarks [OUT.md] [MIB > 0] [CHUNK_KIB: a multiple of 64, at most 1984]"
                    + " [PARALLELISM: 1..64]");
            System.exit(2);
        }
        System.out.println("Coordinator benchmark on " + BenchmarkReport.machine() + ": " + mib + " MiB in "
                + chunk / 1024 + " KiB chunks");
        Outcome o = BenchWorld.embedded(world -> new CoordinatorBenchmarks(world).run(mib, chunk, parallelism,
                System.out::println));
        System.out.println(o.failures().isEmpty() ? "all copies checked" : "FAILED: " + o.failures());
        writeSection(out, o);
        System.out.println("written to " + out);
        System.exit(o.failures().isEmpty() ? 0 : 1);
    }

    /** One way of copying the image, measured. */
    record Measure(Duration wall, IcTraffic traffic, BigInteger sourceCycles, BigInteger targetCycles,
            long interCanisterCalls, long bytesCopied) {
        BigInteger cycles() {
            return sourceCycles.add(targetCycles);
        }

        /** Ingress messages: update calls and queries (read_state polls of update replies are counted apart). */
        long ingress() {
            return traffic.updateCalls() + traffic.queryCalls();
        }
    }

    /**
     * Everything measured, and every check that failed (empty when the copies match).
     *
     * @param hashingCycles what the source spent computing every chunk hash once before the runs
     * @param load the machine's load average when the measurements started and when they ended
     */
    record Outcome(long mib, int parallelism, long imageBytes, long chunkSize, long chunkCount, BigInteger hashingCycles,
            Measure replicator, Measure baseline, long changedBytes, Measure incremental, double[] load,
            List<String> failures) {
    }

    /** Deploys, fills, copies both ways, changes 1 %, replicates incrementally; reports each step to {@code log}. */
    Outcome run(long mib, long chunkSize, int parallelism, java.util.function.Consumer<String> log) throws Exception {
        List<String> failures = new ArrayList<>();
        PrincipalId app = world.deployDemoApp(SOURCE_SUBNET, chunkSize);
        log.accept("demo app " + app + " on subnet " + SOURCE_SUBNET + "; generating " + mib + " MiB");
        world.generate(app, mib);

        world.cli("init");
        world.cli("canister", "add", app.text(), "--name", "bench");
        world.cli("replica", "create", app.text(), "--subnet", world.subnetId(REPLICA_SUBNET), "--parallelism",
                String.valueOf(parallelism));
        PrincipalId replica = world.replicaOn(app, REPLICA_SUBNET);
        log.accept("backup canister " + replica + " on subnet " + REPLICA_SUBNET);

        // The generated data left every chunk unhashed. Both methods need the image's root, so the
        // source computes it once here, outside both measurements, and this cost is reported apart.
        BigInteger before = world.balance(app);
        ImageInfo image = apps.beginRooted(app);
        apps.end(app, image.epoch());
        BigInteger hashing = before.subtract(world.balance(app));
        log.accept("image: " + image.size() + " bytes, " + image.chunkCount() + " chunks of " + image.chunkSize()
                + "; hashing it once cost the source " + hashing + " cycles");

        double loadBefore = BenchWorld.loadAverage();
        try (Database database = Database.open(world.db)) {
            ReplicationEngine engine = new ReplicationEngine(database, apps, backups, FeeTable.load(),
                    EngineSettings.defaults(), "bench", RunProgress.SILENT);

            Measure full = replicate(engine, app, replica, Run.Kind.FULL, failures);
            log.accept("(a) Replicator, full: " + full);

            PrincipalId target = world.deployDemoApp(BASELINE_SUBNET, chunkSize);
            Measure baseline = downloadUpload(app, target, parallelism, failures);
            log.accept("(b) download/upload through the coordinator: " + baseline);

            long changed = world.mutate(app, image.size() / 100, 7);
            Measure incremental = replicate(engine, app, replica, Run.Kind.INCREMENTAL, failures);
            log.accept("(a) Replicator, incremental after " + changed + " bytes changed: " + incremental);
            return new Outcome(mib, parallelism, image.size(), image.chunkSize(), image.chunkCount(), hashing, full,
                    baseline, changed, incremental, new double[] {loadBefore, BenchWorld.loadAverage()}, failures);
        }
    }

    /** (a): the engine drives one run; the backup canister pulls from the source itself. */
    private Measure replicate(ReplicationEngine engine, PrincipalId app, PrincipalId replica, Run.Kind kind,
            List<String> failures) {
        BigInteger[] before = {world.balance(app), world.balance(replica)};
        IcTraffic t0 = gateway.traffic();
        long started = System.nanoTime();
        Run run = engine.drive(engine.plan(app.text(), kind, null, "bench").id());
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        IcTraffic traffic = gateway.traffic().minus(t0);
        BigInteger[] after = {world.balance(app), world.balance(replica)};
        String what = kind.name().toLowerCase() + " run " + run.id();
        if (run.state() != Run.State.SEALED) {
            failures.add(what + " ended " + run.state() + run.error().map(e -> ": " + e).orElse(""));
        }
        ImageInfo now = apps.beginRooted(app);
        apps.end(app, now.epoch());
        Digest sourceRoot = now.root().orElseThrow();
        List<BackupGeneration> held = backups.generations(replica);
        if (held.isEmpty() || !held.get(held.size() - 1).root().equals(sourceRoot)) {
            failures.add(what + ": the backup canister's newest generation does not have the source's root " + sourceRoot);
        }
        BackupRun pulled = backups.status(replica).run().orElseThrow();
        // begin and end, plus the listing of changes in an incremental run, besides one read per chunk fetched or retried
        long controlCalls = 2 + (pulled.incremental() ? 1 : 0);
        return new Measure(wall, traffic, before[0].subtract(after[0]), before[1].subtract(after[1]),
                pulled.chunksFetched() + pulled.retries() + controlCalls, pulled.bytesFetched());
    }

    /**
     * (b), the seed thread's method made safe: freeze an image (begin), read every chunk by query
     * and check it against its hash, stage it in the target with restore_write updates, and commit
     * with the source's root, which the target checks before it swaps its state.
     */
    private Measure downloadUpload(PrincipalId app, PrincipalId target, int parallelism, List<String> failures)
            throws Exception {
        BigInteger[] before = {world.balance(app), world.balance(target)};
        IcTraffic t0 = gateway.traffic();
        long started = System.nanoTime();
        ImageInfo image = apps.beginRooted(app);
        byte[] root = image.root().orElseThrow().bytes();
        Map<?, ?> ticket = Candid.replyRecord(gateway.update(target, "restore_begin", Candid.record()
                .nat64("size", image.size()).nat64("chunk_size", image.chunkSize()).blob("root", root).toArg()));
        long restore = Candid.nat64(ticket, "restore");
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<Long>> copies = new ArrayList<>();
            for (long i = 0; i < image.chunkCount(); i++) {
                long index = i;
                copies.add(pool.submit(() -> copyChunk(app, image.epoch(), target, restore, index)));
            }
            long bytes = 0;
            for (Future<Long> f : copies) {
                bytes += f.get();
            }
            gateway.update(target, "restore_commit", Candid.record().nat64("restore", restore).blob("root", root).toArg());
            apps.end(app, image.epoch());
            Duration wall = Duration.ofNanos(System.nanoTime() - started);
            IcTraffic traffic = gateway.traffic().minus(t0);
            BigInteger[] after = {world.balance(app), world.balance(target)};
            String source = world.checksum(app);
            String copy = world.checksum(target);
            if (!source.equals(copy)) {
                failures.add("the baseline's copy " + target + " has the checksum " + copy + ", the source " + source);
            }
            return new Measure(wall, traffic, before[0].subtract(after[0]), before[1].subtract(after[1]), 0, bytes);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            pool.shutdownNow();
        }
    }

    private long copyChunk(PrincipalId app, BigInteger epoch, PrincipalId target, long restore, long index) {
        ImageChunk chunk = apps.readByQuery(app, epoch, index);
        if (!chunk.intact()) {
            throw new IllegalStateException("chunk " + index + " read by query does not match its hash " + chunk.hash());
        }
        Map<?, ?> written = Candid.replyRecord(gateway.update(target, "restore_write", Candid.record()
                .nat64("restore", restore).nat64("index", index).blob("bytes", chunk.bytes()).toArg()));
        if (!Digest.of(Candid.blob(written, "hash")).equals(chunk.hash())) {
            throw new IllegalStateException("the target received chunk " + index + " with another hash");
        }
        return chunk.bytes().length;
    }

    // ---- the section of docs/benchmarks.md --------------------------------------------------------

    static void writeSection(Path file, Outcome o) throws IOException {
        Measure a = o.replicator();
        Measure b = o.baseline();
        Measure inc = o.incremental();
        StringBuilder s = new StringBuilder();
        s.append("<!-- coordinator:begin -->\n");
        s.append("## Coordinator: Replicator against download/upload through the coordinator\n\n");
        s.append("Measured ").append(LocalDate.now()).append(" on ").append(BenchmarkReport.machine())
                .append(String.format(", the CPU shared with other work (load average %.1f when the measurements began, %.1f"
                        + " when they ended), so times are longer than on a quiet machine. ", o.load()[0], o.load()[1]))
                .append(o.mib()).append(" MiB demo app (").append(String.format("%,d", o.imageBytes())).append(" bytes, ")
                .append(o.chunkCount()).append(" chunks of ").append(o.chunkSize() / 1024).append(" KiB), ")
                .append(o.parallelism()).append(" chunks in flight in both methods.\n\n");
        s.append("| method | wall time | bytes through the coordinator | cycles charged | messages |\n");
        s.append("| --- | --- | --- | --- | --- |\n");
        row(s, "(a) Replicator, full: engine + backup canister on subnet 2", a, o.imageBytes());
        row(s, "(b) download by query, upload by update (seed thread), full", b, o.imageBytes());
        row(s, "(a) Replicator, incremental after " + kib(o.changedBytes()) + " changed (1 %)", inc, o.imageBytes());
        s.append("| (b) incremental equivalent | as (b) full | as (b) full | as (b) full | as (b) full: the method has no"
                + " change tracking, so it re-uploads the whole image |\n\n");
        double bytesShare = 100.0 * a.traffic().bytes() / o.imageBytes();
        double cyclesRatio = a.cycles().doubleValue() / b.cycles().doubleValue();
        double timeRatio = a.wall().toNanos() / (double) b.wall().toNanos();
        double incShare = 100.0 * inc.cycles().doubleValue() / a.cycles().doubleValue();
        s.append("Targets:\n\n");
        s.append(String.format("- bytes through the coordinator for (a) below 0.1 %% of the image: %.4f %% (%s of %s) — %s%n",
                bytesShare, kib(a.traffic().bytes()), kib(o.imageBytes()), bytesShare < 0.1 ? "met" : "NOT met"));
        s.append(String.format("- cycles of (a) no more than (b): %.2f× (b) — %s%n", cyclesRatio,
                cyclesRatio <= 1 ? "met" : "NOT met"));
        s.append(String.format("- wall time of (a) no more than (b): %.2f× (b) — %s%n", timeRatio,
                timeRatio <= 1 ? "met" : "NOT met"));
        s.append(String.format("- incremental run after a 1 %% change under 3 %% of a full run: %.2f %% of (a)'s cycles, %.2f %%"
                + " of its wall time, %s fetched (%.2f %% of the image) — %s%n%n", incShare,
                100.0 * inc.wall().toNanos() / a.wall().toNanos(), kib(inc.bytesCopied()),
                100.0 * inc.bytesCopied() / o.imageBytes(), incShare < 3 ? "met" : "NOT met"));
        s.append(reading(o)).append("\n\n");
        s.append(String.format("Before both, the source hashed every chunk once (its first `replication_begin` after the data"
                + " was generated): %s cycles, counted in neither row because both methods need the root and it is"
                + " paid once per image, not per copy. ", giga(o.hashingCycles())));
        s.append("Cycles are the balance decreases of the canisters involved (`canister_status` before and after; the"
                + " localnet charges by the IC's fee table for a 13-node subnet: execution, ingress per byte, calls and"
                + " bytes sent across subnets, storage). Queries are free on the IC and on the localnet, so (b)'s"
                + " downloads cost nothing; its uploads pay ingress reception per byte. Bytes through the coordinator"
                + " are the request and response bodies of every HTTP request the coordinator made (ic4j over"
                + " `JdkHttpTransport`, headers excluded). Messages: ingress calls (updates and queries) from the same"
                + " counter, read_state polls apart; inter-canister calls from the backup canister's counters (one read"
                + " per chunk fetched or retried, plus begin, end and, in an incremental run, the listing of"
                + " changes).\n");
        if (!o.failures().isEmpty()) {
            s.append("\nChecks that FAILED in this run: ").append(String.join("; ", o.failures())).append("\n");
        }
        s.append("<!-- coordinator:end -->\n");
        replaceSection(file, "coordinator", s.toString());
    }

    /** What the figures say, in words; the reasons are the fee table's and the methods' own. */
    static String reading(Outcome o) {
        Measure a = o.replicator();
        Measure b = o.baseline();
        Measure inc = o.incremental();
        StringBuilder r = new StringBuilder("Reading the figures: ");
        r.append(String.format("(a) passed %s through the coordinator: beginning and ending the epoch, starting the pull,"
                + " and a status query every 200 ms for progress and the backup canister's cycle counters (the ledger),"
                + " so it grows with the run's duration, not with the image's bytes; (b) passed every byte of the image"
                + " through it twice, down and up (%s, %.0f× (a)). ", kib(a.traffic().bytes()),
                kib(b.traffic().bytes()), b.traffic().bytes() / (double) Math.max(1, a.traffic().bytes())));
        r.append(String.format("(a) cost %.0f %% of (b)'s cycles: a byte crossing subnets costs its puller 1,000 cycles,"
                + " a byte of ingress costs its receiver 2,000; (b)'s queries are free, but its uploads are ingress."
                + " Both pay about the same execution for hashing each chunk once at the target. ",
                100 * a.cycles().doubleValue() / b.cycles().doubleValue()));
        double speed = b.wall().toNanos() / (double) a.wall().toNanos();
        if (speed >= 1) {
            r.append(String.format("(a) was %.1f× as fast: its chunks go from canister to canister inside the network,"
                    + " while each of (b)'s chunks is signed, sent over HTTP and, for the upload, awaited until its"
                    + " certified reply is verified (BLS) in the coordinator's JVM. ", speed));
        } else {
            r.append(String.format("(b) was faster here (%.2f× (a)'s time): the backup canister pulls %d chunks at a"
                    + " time, one round trip between subnets each, and the engine adds fixed steps (begin, verify,"
                    + " seal, 200 ms polls) that a small image does not amortise; (b)'s HTTP calls run in parallel on the"
                    + " same CPU. ", 1 / speed, o.parallelism()));
        }
        double incShare = 100.0 * inc.cycles().doubleValue() / a.cycles().doubleValue();
        r.append(String.format("The incremental run fetched %d of %d chunks (%.2f %% of the image) and cost %.2f %% of"
                + " the full run", inc.bytesCopied() / o.chunkSize(), o.chunkCount(),
                100.0 * inc.bytesCopied() / o.imageBytes(), incShare));
        if (incShare < 3) {
            r.append("; (b) has no such mode and would upload the whole image again.");
        } else {
            r.append(String.format(": above the 3 %% target, because a change rewrites whole %d KiB chunks (the demo app"
                    + " rewrites picture-sized runs, and each touched chunk travels whole) and each run has fixed"
                    + " costs (begin, end, the listing of changes, the source's rehashing of changed chunks); smaller"
                    + " chunks or a larger image lower the share. (b) has no such mode and would upload the whole image"
                    + " again.", o.chunkSize() / 1024));
        }
        return r.toString();
    }

    private static void row(StringBuilder s, String method, Measure m, long imageBytes) {
        IcTraffic t = m.traffic();
        s.append("| ").append(method).append(" | ").append(String.format("%.1f s", m.wall().toMillis() / 1000.0))
                .append(" | ").append(kib(t.bytes())).append(String.format(" (%.3f %% of the image; %s sent, %s received)",
                        100.0 * t.bytes() / imageBytes, kib(t.bytesSent()), kib(t.bytesReceived())))
                .append(" | ").append(giga(m.cycles())).append(" (source ").append(giga(m.sourceCycles()))
                .append(", target ").append(giga(m.targetCycles())).append(")")
                .append(" | ").append(String.format("%,d ingress (%,d updates, %,d queries), %,d read_state polls, %,d"
                        + " inter-canister", m.ingress(), t.updateCalls(), t.queryCalls(), t.readStateCalls(),
                        m.interCanisterCalls()))
                .append(" |\n");
    }
}
