package org.replicator.localnet.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.LocalNetProcess;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;
import org.replicator.localnet.wasm.ExecutionEngine;

/**
 * The localnet's benchmarks: update calls per second through HTTP with ic4j, cross-subnet
 * throughput of 2 MiB chunks between canisters, wasm instructions per second (AOT against the
 * interpreter), and the JVM heap a canister with 1 GiB of stable memory needs. Writes its
 * section of docs/benchmarks.md.
 */
public final class LocalNetBenchmarks {
    private static final int MIB = 1 << 20;
    private final BenchmarkReport report = new BenchmarkReport("localnet", "Localnet");

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
        LocalNetBenchmarks b = new LocalNetBenchmarks();
        System.out.println("Localnet benchmarks on " + BenchmarkReport.machine());
        b.updateCalls();
        b.crossSubnetPull();
        b.instructionsPerSecond(ExecutionEngine.AOT, 400_000_000L);
        b.instructionsPerSecond(ExecutionEngine.INTERPRETER, 4_000_000L);
        b.stableMemoryOfOneGiB();
        b.report.note("Update calls go through the full HTTP path: ic4j-agent signs the request, the gateway "
                + "validates it, the subnet executes it in a round, certifies the result, and ic4j verifies the "
                + "BLS certificate of the reply. Pacing is FAST (rounds back to back), the test default. Profiling the "
                + "sequential case shows the time spent mostly in the client: ic4j verifies each certificate (two BLS "
                + "pairings, plus a delegation on non-root subnets) in pure Java; the localnet's own share is about a fifth of the "
                + "CPU time.");
        b.report.writeTo(out);
        System.out.println("written to " + out);
    }

    private void updateCalls() throws Exception {
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); IcClient ic = IcClient.forNet(net)) {
            Principal c = ic.deploy(0, TestCanisters.universal());
            byte[] program = Universal.program().replyWith("ok").build();
            for (int i = 0; i < 30; i++) {
                ic.update(c, "update", program);
            }
            int n = 200;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ic.update(c, "update", program);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            report.row("update calls, sequential, ic4j over HTTP", String.format("%.0f calls/s", n / seconds),
                    String.format("%d calls, %.1f ms each", n, seconds * 1000 / n));
            int threads = 8;
            int perThread = 50;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        ic.update(c, "update", program);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            report.row("update calls, 8 concurrent clients", String.format("%.0f calls/s", threads * perThread / seconds),
                    String.format("%d calls on one canister", threads * perThread));
        }
    }

    private void crossSubnetPull() throws Exception {
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); IcClient ic = IcClient.forNet(net)) {
            Principal puller = ic.deploy(0, TestCanisters.universal());
            Principal source = ic.deploy(1, TestCanisters.universal());
            int chunk = ResourceLimits.MAX_RESPONSE;
            ic.update(source, "update", Universal.program().stableGrow(chunk / 65536).drop()
                    .pushU64(0).repeat((byte) 7, chunk).stableWriteStack().replyWith("ok").build());
            byte[] pull = Universal.program()
                    .callNew(source, "update", Universal.program().argData().length().replyTop(),
                            Universal.program().rejectMessage().replyTop())
                    .callDataAppend(Universal.program().stableRead(0, chunk).replyTop().build())
                    .callPerform().drop().build();
            ic.update(puller, "update", pull);
            CanisterReport p0 = net.control().canister(puller).orElseThrow();
            CanisterReport s0 = net.control().canister(source).orElseThrow();
            int chunks = 64;
            int threads = 8;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long start = System.nanoTime();
            List<Future<byte[]>> replies = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                replies.add(pool.submit(() -> ic.update(puller, "update", pull)));
            }
            for (Future<byte[]> r : replies) {
                if (Universal.u32(r.get()) != chunk) {
                    throw new IllegalStateException("a chunk arrived short");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            double mib = (double) chunks * chunk / MIB;
            CanisterReport p1 = net.control().canister(puller).orElseThrow();
            CanisterReport s1 = net.control().canister(source).orElseThrow();
            report.row("cross-subnet pull of 2 MiB chunks (subnet 0 from 1)", String.format("%.1f MiB/s", mib / seconds),
                    String.format("%d chunks, 8 in flight, %.2f s", chunks, seconds));
            report.row("cycles per MiB pulled, puller (calls + execution)",
                    String.format("%,d", (p1.cyclesCharged() - p0.cyclesCharged()) / (long) mib),
                    "fee table: 1,000 per byte transmitted + 260,000 per call");
            report.row("cycles per MiB pulled, source (execution)",
                    String.format("%,d", (s1.cyclesCharged() - s0.cyclesCharged()) / (long) mib), "reading stable memory");
        }
    }

    private void instructionsPerSecond(ExecutionEngine engine, long iterations) throws Exception {
        LocalNetConfig config = LocalNetConfig.defaults().withSubnets(1).withEngine(engine);
        try (LocalNet net = LocalNet.start(config); IcClient ic = IcClient.forNet(net)) {
            Principal c = ic.deploy(0, TestCanisters.universal());
            byte[] program = Universal.program().burn(iterations).replyWith("done").build();
            // The compiled canister code reaches HotSpot's C2 only after several long calls.
            for (int warm = 0; warm < 5; warm++) {
                ic.update(c, "update", Universal.program().burn(iterations / 4).replyWith("warm").build());
            }
            long best = 0;
            for (int run = 0; run < 5; run++) {
                CanisterReport before = net.control().canister(c).orElseThrow();
                long start = System.nanoTime();
                ic.update(c, "update", program);
                double seconds = (System.nanoTime() - start) / 1e9;
                CanisterReport after = net.control().canister(c).orElseThrow();
                long instructions = after.instructionsExecuted() - before.instructionsExecuted();
                best = Math.max(best, (long) (instructions / seconds));
            }
            report.row("wasm instructions per second, " + engine, String.format("%,d M/s", best / 1_000_000),
                    "a loop in the universal canister, metered; best of 5 update calls after warm-up, call overhead included");
        }
    }

    private void stableMemoryOfOneGiB() throws Exception {
        Path state = Files.createTempDirectory("localnet-bench-");
        int port = LocalNetProcess.freePort();
        try (LocalNetProcess net = LocalNetProcess.start(state, port, List.of("-Xmx256m"));
                IcClient ic = new IcClient(net.url(), IcClient.newIdentity())) {
            Principal c = ic.deploy(0, TestCanisters.universal());
            int chunk = 2 * MIB;
            int chunks = 512;
            ic.update(c, "update", Universal.program().stableGrow((long) chunks * chunk / 65536).drop().replyWith("ok").build());
            long start = System.nanoTime();
            for (int i = 0; i < chunks; i++) {
                ic.update(c, "update", Universal.program().pushU64((long) i * chunk).repeat((byte) i, chunk)
                        .stableWriteStack().replyWith("ok").build());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            byte[] last = ic.query(c, "query", Universal.program().stableRead((long) (chunks - 1) * chunk, 4).replyTop().build());
            if (last[0] != (byte) (chunks - 1)) {
                throw new IllegalStateException("the last chunk of stable memory reads back wrong");
            }
            String jvm = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(net.url() + "/_/control/jvm"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            long heapUsed = Long.parseLong(jvm.replaceAll("(?s).*\"heapUsedBytes\" : (\\d+).*", "$1"));
            report.row("1 GiB stable memory in a localnet JVM limited to -Xmx256m",
                    String.format("%d MiB heap used", heapUsed / MIB),
                    String.format("written in 512 updates of 2 MiB at %.0f MiB/s, journaled; state on disk %d MiB",
                            1024 / seconds, directorySize(state) / MIB));
            net.stop();
        } finally {
            deleteRecursively(state);
        }
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
