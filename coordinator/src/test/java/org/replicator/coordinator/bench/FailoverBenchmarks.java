package org.replicator.coordinator.bench;

import static org.replicator.coordinator.bench.BenchWorld.giga;
import static org.replicator.coordinator.bench.BenchWorld.kib;
import static org.replicator.coordinator.bench.BenchWorld.seconds;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.ImageInfo;
import org.replicator.localnet.bench.BenchmarkReport;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.ids.Principal;

/**
 * Restore and failover on one localnet (issue 5's benchmark), through the commands a user types.
 * The demo app on subnet 1 is replicated in full into backup canisters on subnets 2 and 0, 1 %
 * of it changes and it is replicated incrementally (the run that bounds the data loss window);
 * then its newest generation is restored into a new canister beside the replica, into a new
 * canister on another subnet, and into the app itself. A few writes follow the last generation,
 * subnet 1 halts and the replica on subnet 2 is promoted by hand; replication goes on from the
 * promoted canister, subnet 1 returns, the old primary is fenced (counting the writes it kept)
 * and the service fails back. Last, subnet 1 halts again under `replicator watch`, which promotes
 * on its own. Writes its section of docs/benchmarks.md.
 * {@code scripts/bench failover [MIB] [CHUNK_KIB] [PROMOTE_AFTER_S] [INTERVAL_S]}.
 */
public final class FailoverBenchmarks {
    static final long DEFAULT_MIB = 256;
    static final long DEFAULT_CHUNK = 256 * 1024;
    /** Short enough for a benchmark run; the table states how the RTO moves with them. */
    static final Duration DEFAULT_PROMOTE_AFTER = Duration.ofSeconds(10);
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    private static final int SOURCE_SUBNET = 1;
    private static final int PROMOTED_SUBNET = 2;
    private static final int OTHER_SUBNET = 0;
    /** Each replica pushes the image several times; 3 T (the default) would do, but none of it is measured. */
    private static final String REPLICA_CYCLES = "10000000000000";
    /** How long any one step may take before the benchmark gives up on it. */
    private static final Duration STEP_DEADLINE = Duration.ofMinutes(20);

    private final BenchWorld world;
    private final Consumer<String> log;
    private final List<String> failures = new ArrayList<>();
    private Path wasm;
    private String initArg;

    FailoverBenchmarks(BenchWorld world, Consumer<String> log) {
        this.world = world;
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks.md");
        long mib = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_MIB;
        long chunk = args.length > 2 ? Long.parseLong(args[2]) * 1024 : DEFAULT_CHUNK;
        Duration promoteAfter = args.length > 3 ? Duration.ofSeconds(Long.parseLong(args[3])) : DEFAULT_PROMOTE_AFTER;
        Duration interval = args.length > 4 ? Duration.ofSeconds(Long.parseLong(args[4])) : DEFAULT_INTERVAL;
        if (mib <= 0 || chunk <= 0 || chunk % 65536 != 0 || chunk > 1984 * 1024 || interval.isZero()
                || interval.isNegative() || promoteAfter.compareTo(interval) < 0) {
            System.err.println("usage: FailoverBenchmarks [OUT.md] [MIB > 0] [CHUNK_KIB: a multiple of 64, at most 1984]"
                    + " [PROMOTE_AFTER_S >= INTERVAL_S] [INTERVAL_S > 0]");
            System.exit(2);
        }
        System.out.println("Failover benchmark on " + BenchmarkReport.machine() + ": " + mib + " MiB in " + chunk / 1024
                + " KiB chunks; watch --promote-after " + promoteAfter.toSeconds() + "s --interval "
                + interval.toSeconds() + "s");
        Outcome o = BenchWorld.embedded(world -> new FailoverBenchmarks(world, System.out::println)
                .run(mib, chunk, promoteAfter, interval));
        System.out.println(o.failures().isEmpty() ? "all checks held" : "FAILED: " + o.failures());
        writeSection(out, o);
        System.out.println("written to " + out);
        System.exit(o.failures().isEmpty() ? 0 : 1);
    }

    /**
     * One restore, measured: the command's wall time, the backup canister's balance decrease (the
     * restore's ledger row), and the messages both canisters executed (the localnet's counters).
     */
    record Restore(String what, Duration wall, long bytes, BigInteger cycles, long backupMessages,
            long targetMessages, BigInteger targetCycles) {
        double mibPerSecond() {
            return bytes / (double) BenchWorld.MIB / (wall.toNanos() / 1e9);
        }
    }

    /**
     * Everything measured, and every check that failed (empty when all held).
     *
     * @param fullRun         `replicate --full` into both replicas
     * @param incrementalRun  `replicate --incremental` after {@code changedBytes} changed (1 %)
     * @param promoteCommand  `promote`, from its start to its exit
     * @param manualRto       from `promote`'s start to the promoted canister answering a query
     * @param promotePush     the push that made the replica's generation live (part of the promotion)
     * @param firstRunAfter   the first `replicate` from the promoted canister (a full pull into the other replica)
     * @param fence           `fence --wait`, started when the old primary's subnet returned
     * @param writesNotCarried the chunks the old primary wrote after its last generation, as the fence counted them
     * @param lateBytes       the bytes written on the old primary after its last generation, before the halt
     * @param failback        `failback`, from its start to its exit
     * @param failbackRestore the restore into the original within it (its recorded start to finish)
     * @param autoRto         from the halt to the canister the watch promoted answering a query
     * @param autoFirstFailed from the halt to the watch's first failed check ({@code health.down})
     * @param autoDetection   from the halt to the watch deciding to promote ({@code promote.plan.automatic})
     * @param autoFenced      from the old primary's subnet returning to the watch having fenced it
     * @param load            the machine's load average when the measurements started and when they ended
     */
    record Outcome(long mib, long imageBytes, long chunkSize, long chunkCount, Duration fullRun, Duration incrementalRun,
            long changedBytes, long incrementalFetched, List<Restore> restores, Duration promoteCommand,
            Duration manualRto, Restore promotePush, Duration firstRunAfter, Duration fence, Integer writesNotCarried,
            long lateBytes, Duration failback, Duration failbackRestore, Duration promoteAfter, Duration interval,
            Duration autoRto, Duration autoFirstFailed, Duration autoDetection, Duration autoFenced, double[] load,
            List<String> failures) {

        Duration autoPromotion() {
            return autoRto.minus(autoDetection);
        }
    }

    Outcome run(long mib, long chunkSize, Duration promoteAfter, Duration interval) throws Exception {
        PrincipalId app = world.deployDemoApp(SOURCE_SUBNET, chunkSize);
        log.accept("demo app " + app + " on subnet " + SOURCE_SUBNET + "; generating " + mib + " MiB");
        world.generate(app, mib);
        wasm = Files.write(Files.createTempDirectory("replicator-bench-wasm-").resolve("demo_app.wasm"),
                CanisterWasm.demoApp().bytes());
        initArg = HexFormat.of().formatHex(BenchWorld.demoInitArg(chunkSize));
        world.cli("init");
        world.cli("canister", "add", app.text(), "--name", "bench");
        world.cli("replica", "create", app.text(), "--subnet", world.subnetId(PROMOTED_SUBNET), "--cycles",
                REPLICA_CYCLES);
        world.cli("replica", "create", app.text(), "--subnet", world.subnetId(OTHER_SUBNET), "--cycles",
                REPLICA_CYCLES);
        PrincipalId promotable = world.replicaOn(app, PROMOTED_SUBNET);
        PrincipalId other = world.replicaOn(app, OTHER_SUBNET);
        log.accept("replicas " + promotable + " on subnet " + PROMOTED_SUBNET + ", " + other + " on subnet "
                + OTHER_SUBNET);
        // the generated data left every chunk unhashed; the source hashes it once, outside the measurements
        ImageInfo image = world.apps.beginRooted(app);
        world.apps.end(app, image.epoch());
        log.accept("image: " + image.size() + " bytes, " + image.chunkCount() + " chunks of " + image.chunkSize());

        double loadBefore = BenchWorld.loadAverage();
        Duration full = timed(() -> world.cli("replicate", "bench", "--full"));
        log.accept("replicate --full into 2 replicas: " + seconds(full));
        long changed = world.mutate(app, image.size() / 100, 7);
        Duration incremental = timed(() -> world.cli("replicate", "bench", "--incremental"));
        long fetched = ((Number) world.scalar("SELECT coalesce(sum(bytes_fetched), 0) FROM run_fetches"
                + " WHERE run_id = (SELECT max(run_id) FROM runs)")).longValue();
        log.accept("replicate --incremental after " + changed + " bytes changed: " + seconds(incremental) + ", "
                + fetched + " bytes fetched by both replicas");
        String sealed = world.checksum(app);

        List<Restore> restores = new ArrayList<>();
        restores.add(restore("into a new canister on the replica's subnet (" + PROMOTED_SUBNET + ")", promotable, null,
                sealed, image.size(), "--from", promotable.text(), "--into", "new", "--subnet",
                world.subnetId(PROMOTED_SUBNET), "--wasm", wasm.toString(), "--init-arg", initArg));
        restores.add(restore("into a new canister on another subnet (" + SOURCE_SUBNET + ")", promotable, null, sealed,
                image.size(), "--from", promotable.text(), "--into", "new", "--subnet", world.subnetId(SOURCE_SUBNET),
                "--wasm", wasm.toString(), "--init-arg", initArg));
        restores.add(restore("into the original (subnet " + SOURCE_SUBNET + ", from subnet " + PROMOTED_SUBNET + ")",
                promotable, app, sealed, image.size(), "--from", promotable.text()));

        // the schedule goes on after the restore; then the app takes writes no generation holds yet
        world.cli("replicate", "bench", "--incremental");
        String beforeHalt = world.checksum(app);
        long late = world.mutate(app, Math.max(1, image.size() / 1000), 11);
        log.accept(late + " bytes written on " + app + " after its last generation");

        world.net.control().halt(SOURCE_SUBNET);
        log.accept("subnet " + SOURCE_SUBNET + " halted; promoting " + promotable + " by hand");
        BigInteger pushBefore = ledgerRestoreTotal();
        long started = System.nanoTime();
        world.cli("promote", "bench", "--replica", promotable.text(), "--wasm", wasm.toString(), "--init-arg", initArg);
        Duration promoteCommand = Duration.ofNanos(System.nanoTime() - started);
        PrincipalId promoted = latestPromoted();
        awaitAnswer(promoted);
        Duration manualRto = Duration.ofNanos(System.nanoTime() - started);
        log.accept("promote: " + seconds(promoteCommand) + "; " + promoted + " answered " + seconds(manualRto)
                + " after the command started");
        expectChecksum("the promoted canister", promoted, beforeHalt);
        CanisterReport pushedInto = report(promoted);
        Restore promotePush = new Restore("promotion's push", promoteCommand, image.size(),
                ledgerRestoreTotal().subtract(pushBefore), 0, pushedInto.messagesExecuted(),
                BigInteger.valueOf(pushedInto.cyclesCharged()));

        Duration firstRun = timed(() -> world.cli("replicate", "bench"));
        log.accept("first replicate from the promoted canister (full, into subnet " + OTHER_SUBNET + "): "
                + seconds(firstRun));
        world.mutate(promoted, image.size() / 100, 13);
        String duringFailover = world.checksum(promoted);

        world.net.control().resume(SOURCE_SUBNET);
        Duration fence = timed(() -> world.cli("fence", "bench", "--wait", "5m"));
        Object notCarried = world.scalar("SELECT writes_not_carried FROM promotions ORDER BY promotion_id DESC LIMIT 1");
        Integer writesNotCarried = notCarried == null ? null : ((Number) notCarried).intValue();
        log.accept("fence: " + seconds(fence) + "; writes not carried: " + writesNotCarried + " chunk(s)");
        if (writesNotCarried == null || writesNotCarried < 1) {
            failures.add("the fence counted " + writesNotCarried + " chunks written after the last generation, though "
                    + late + " bytes were");
        }

        Duration failback = timed(() -> world.cli("failback", "bench"));
        List<Object> fb = world.rows("SELECT r.started_at, r.finished_at FROM promotions p JOIN restores r"
                + " ON r.restore_id = p.failback_restore_id ORDER BY p.promotion_id DESC LIMIT 1").get(0);
        Duration failbackRestore = between(fb.get(0), fb.get(1));
        log.accept("failback: " + seconds(failback) + " (its restore into the original " + seconds(failbackRestore)
                + ")");
        expectChecksum("the original after the fail-back", app, duringFailover);
        world.cli("replicate", "bench", "--incremental");
        String home = world.checksum(app);

        log.accept("watch --promote-after " + flag(promoteAfter) + " --interval " + flag(interval) + "; halting subnet "
                + SOURCE_SUBNET);
        CompletableFuture<BenchWorld.CliResult> watch = CompletableFuture.supplyAsync(() -> world.tryCli("watch", "bench",
                "--interval", flag(interval), "--promote-after", flag(promoteAfter),
                "--replica", promotable.text(), "--wasm", wasm.toString(), "--init-arg", initArg, "--until-fenced",
                "--for", "60m"));
        Instant halted = Instant.now();
        world.net.control().halt(SOURCE_SUBNET);
        PrincipalId auto = await("the watch promotes", () -> world.rows("SELECT new_live_canister_id FROM promotions"
                + " WHERE automatic AND state IN ('live', 'fenced')").stream().findFirst()
                .map(r -> new PrincipalId((String) r.get(0))), watch);
        awaitAnswer(auto);
        Duration autoRto = Duration.between(halted, Instant.now());
        Duration firstFailed = Duration.between(halted, auditedAt("health.down"));
        Duration detection = Duration.between(halted, auditedAt("promote.plan.automatic"));
        log.accept("automatic: " + auto + " answered " + seconds(autoRto) + " after the halt (first failed check after "
                + seconds(firstFailed) + ", decided after " + seconds(detection) + ")");
        expectChecksum("the canister the watch promoted", auto, home);
        Instant resumed = Instant.now();
        world.net.control().resume(SOURCE_SUBNET);
        BenchWorld.CliResult watched = watch.get(STEP_DEADLINE.toMinutes(), TimeUnit.MINUTES);
        if (watched.code() != 0) {
            failures.add("the watch exited " + watched.code() + ": " + watched.err());
        }
        Object fencedAt = world.scalar("SELECT fenced_at FROM promotions WHERE automatic");
        Duration autoFenced = fencedAt == null ? null : Duration.between(resumed, ((Timestamp) fencedAt).toInstant());
        log.accept("the watch fenced the old primary " + (autoFenced == null ? "never" : seconds(autoFenced))
                + " after its subnet returned");
        return new Outcome(mib, image.size(), image.chunkSize(), image.chunkCount(), full, incremental, changed, fetched,
                restores, promoteCommand, manualRto, promotePush, firstRun, fence, writesNotCarried, late, failback,
                failbackRestore, promoteAfter, interval, autoRto, firstFailed, detection, autoFenced,
                new double[] {loadBefore, BenchWorld.loadAverage()}, List.copyOf(failures));
    }

    /** `replicator restore bench ARGS`, measured; the target must then hold {@code expected}. */
    private Restore restore(String what, PrincipalId replica, PrincipalId original, String expected, long bytes,
            String... args) {
        List<String> command = new ArrayList<>(List.of("restore", "bench"));
        command.addAll(List.of(args));
        CanisterReport backupBefore = report(replica);
        Optional<CanisterReport> targetBefore = original == null ? Optional.empty() : Optional.of(report(original));
        Duration wall = timed(() -> world.cli(command.toArray(String[]::new)));
        List<Object> r = world.rows("SELECT target_canister_id, state, verified FROM restores ORDER BY restore_id DESC"
                + " LIMIT 1").get(0);
        PrincipalId target = new PrincipalId((String) r.get(0));
        if (!"done".equals(r.get(1)) || !Boolean.TRUE.equals(r.get(2))) {
            failures.add("restore " + what + " ended " + r.get(1) + ", verified " + r.get(2));
        }
        expectChecksum("the restore " + what, target, expected);
        BigInteger cycles = new BigDecimal(world.scalar("SELECT amount FROM cycle_ledger WHERE kind = 'restore'"
                + " ORDER BY entry_id DESC LIMIT 1").toString()).toBigIntegerExact();
        CanisterReport backupAfter = report(replica);
        CanisterReport targetAfter = report(target);
        Restore measured = new Restore(what, wall, bytes, cycles,
                backupAfter.messagesExecuted() - backupBefore.messagesExecuted(),
                targetAfter.messagesExecuted() - targetBefore.map(CanisterReport::messagesExecuted).orElse(0L),
                BigInteger.valueOf(targetAfter.cyclesCharged() - targetBefore.map(CanisterReport::cyclesCharged)
                        .orElse(0L)));
        log.accept("restore " + what + ": " + seconds(wall) + String.format(", %.1f MiB/s, ", measured.mibPerSecond())
                + cycles + " cycles");
        return measured;
    }

    private Instant auditedAt(String action) {
        return ((Timestamp) world.scalar("SELECT at FROM audit_events WHERE action = ? ORDER BY event_id DESC LIMIT 1",
                action)).toInstant();
    }

    private BigInteger ledgerRestoreTotal() {
        return new BigDecimal(world.scalar("SELECT coalesce(sum(amount), 0) FROM cycle_ledger WHERE kind = 'restore'")
                .toString()).toBigIntegerExact();
    }

    private PrincipalId latestPromoted() {
        return new PrincipalId((String) world.scalar("SELECT new_live_canister_id FROM promotions"
                + " ORDER BY promotion_id DESC LIMIT 1"));
    }

    private CanisterReport report(PrincipalId canister) {
        return world.net.control().canister(Principal.fromText(canister.text()))
                .orElseThrow(() -> new IllegalStateException("the localnet has no canister " + canister));
    }

    private void expectChecksum(String what, PrincipalId canister, String expected) {
        String actual = world.checksum(canister);
        if (!actual.equals(expected)) {
            failures.add(what + " " + canister + " has the checksum " + actual + ", expected " + expected);
        }
    }

    /** Waits until the canister answers an application query (reading a user), as a client would ask it. */
    private void awaitAnswer(PrincipalId canister) {
        await(canister + " answers", () -> {
            try {
                world.gateway.query(canister, "get_user", Candid.record().nat64("user", 0).toArg());
                return Optional.of(Boolean.TRUE);
            } catch (IcException e) {
                return Optional.empty();
            }
        }, null);
    }

    /**
     * Polls {@code condition} every 10 ms until it yields a value; gives up at the step deadline, or
     * when {@code alongside} (a command that should bring it about) has ended without it.
     */
    private <T> T await(String what, Supplier<Optional<T>> condition, CompletableFuture<BenchWorld.CliResult> alongside) {
        Instant deadline = Instant.now().plus(STEP_DEADLINE);
        while (true) {
            Optional<T> v = condition.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (alongside != null && alongside.isDone()) {
                throw new IllegalStateException("waiting until " + what + ": the command ended first: "
                        + alongside.join().err());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("waiting until " + what + ": not within " + STEP_DEADLINE);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting until " + what, e);
            }
        }
    }

    /** A duration as the command line takes it: whole seconds where it can, else milliseconds. */
    static String flag(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static Duration timed(Runnable step) {
        long started = System.nanoTime();
        step.run();
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private static Duration between(Object from, Object to) {
        return Duration.between(((Timestamp) from).toInstant(), ((Timestamp) to).toInstant());
    }

    // ---- the section of docs/benchmarks.md --------------------------------------------------------

    static void writeSection(Path file, Outcome o) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("<!-- failover:begin -->\n");
        s.append("## Failover: restore, RTO and RPO\n\n");
        s.append("Measured ").append(LocalDate.now()).append(" on ").append(BenchmarkReport.machine())
                .append(String.format(", the CPU shared with other work (load average %.1f when the measurements began,"
                        + " %.1f when they ended), so times are longer than on a quiet machine. ", o.load()[0],
                        o.load()[1]))
                .append(o.mib()).append(" MiB demo app (").append(String.format("%,d", o.imageBytes())).append(" bytes, ")
                .append(o.chunkCount()).append(" chunks of ").append(o.chunkSize() / 1024).append(" KiB) on subnet ")
                .append(SOURCE_SUBNET).append(", replicas on subnets ").append(PROMOTED_SUBNET).append(" and ")
                .append(OTHER_SUBNET).append(" (created with the defaults: 4 chunks in flight, for pulls and pushes"
                        + " alike), embedded localnet and PostgreSQL; every time is a `replicator` command's wall time,"
                        + " its start-up (database, identity, agent) included.\n\n");

        s.append("### Restore\n\n");
        s.append("Full replication into both replicas (`replicate --full`) took ").append(seconds(o.fullRun()))
                .append(String.format(" (%.1f MiB/s into each).", o.imageBytes() / (double) BenchWorld.MIB
                        / (o.fullRun().toNanos() / 1e9)))
                .append(" Each restore is `replicator restore bench --from <replica on subnet ").append(PROMOTED_SUBNET)
                .append("> …` of the newest generation:\n\n");
        s.append("| restore | wall time | MiB/s | cycles: backup canister (restore ledger row) | cycles: target |"
                + " messages executed: backup canister, target |\n");
        s.append("| --- | --- | --- | --- | --- | --- |\n");
        for (Restore r : o.restores()) {
            s.append("| ").append(r.what()).append(" | ").append(seconds(r.wall())).append(" | ")
                    .append(String.format("%.1f", r.mibPerSecond())).append(" | ").append(giga(r.cycles())).append(" | ")
                    .append(giga(r.targetCycles())).append(" | ")
                    .append(String.format("%,d, %,d", r.backupMessages(), r.targetMessages())).append(" |\n");
        }
        s.append("\n");

        s.append("### RTO: from a subnet halt to a promoted primary answering\n\n");
        s.append("| path | RTO | made of | other figures |\n");
        s.append("| --- | --- | --- | --- |\n");
        s.append("| manual: `replicator promote bench --replica <subnet ").append(PROMOTED_SUBNET).append(">` | ")
                .append(seconds(o.manualRto())).append(" from the command's start, plus the time a person needs to"
                        + " notice and type it | `promote` ").append(seconds(o.promoteCommand()))
                .append(" (create a canister, install the module, push the generation within subnet ")
                .append(PROMOTED_SUBNET).append(", check the root, record it), then the first query answered | push: ")
                .append(giga(o.promotePush().cycles())).append(" cycles at the backup canister, ")
                .append(giga(o.promotePush().targetCycles())).append(" at the new canister; ")
                .append(String.format("%,d", o.promotePush().targetMessages()))
                .append(" messages executed by the new canister |\n");
        s.append("| automatic: `replicator watch bench --promote-after ").append(flag(o.promoteAfter()))
                .append(" --interval ").append(flag(o.interval())).append("` | ").append(seconds(o.autoRto()))
                .append(" from the halt | first failed check ").append(seconds(o.autoFirstFailed()))
                .append(" after the halt (the watch was started with the halt, so this is its own start-up), then ")
                .append(seconds(o.autoDetection().minus(o.autoFirstFailed())))
                .append(" of failed checks until it decided to promote, then the promotion ")
                .append(seconds(o.autoPromotion())).append(" | old primary fenced ")
                .append(o.autoFenced() == null ? "never" : seconds(o.autoFenced()))
                .append(" after its subnet returned (the watch checks it every --interval) |\n");
        s.append("| fence: `replicator fence bench --wait 5m` after the subnet returned | ").append(seconds(o.fence()))
                .append(" | fence the old primary's writes, count its writes after the last generation, stop it | ")
                .append(o.writesNotCarried() == null ? "writes not carried: unknown"
                        : "writes_not_carried: " + o.writesNotCarried() + " chunk(s), from " + kib(o.lateBytes())
                                + " written after the last generation")
                .append(" |\n");
        s.append("| fail-back: `replicator failback bench` | ").append(seconds(o.failback()))
                .append(" | replicate the promoted canister, fence its writes, replicate it again, restore the last"
                        + " generation into the original across subnets (").append(seconds(o.failbackRestore()))
                .append("), check the root, switch back | the first `replicate` from the promoted canister, a full pull"
                        + " into the replica on subnet ").append(OTHER_SUBNET).append(", took ")
                .append(seconds(o.firstRunAfter())).append(" |\n\n");
        s.append(String.format("With the watch on a running service, X = --promote-after and Y = --interval: the first"
                + " failed check comes at most Y after the halt, the watch promotes at the first check at least X after"
                + " that one (at most Y later), and the promotion took %s here, so RTO ≤ X + 2Y + %s (here X = %s,"
                + " Y = %s; e.g. with X = 5 min, Y = 30 s: at most 6 min + %s). The promotion's share grows with the"
                + " image (the push within the replica's subnet); the detection's does not.%n%n",
                seconds(o.autoPromotion()), seconds(o.autoPromotion()), flag(o.promoteAfter()), flag(o.interval()),
                seconds(o.autoPromotion())));
        s.append("### RPO: the data loss window the schedule implies\n\n");
        s.append("A promotion makes the replica's newest sealed generation live. The writes a failover loses are the"
                + " ones the old primary took after the image of that generation was frozen: when runs start every T"
                + " and one takes D, a halt just before a run seals loses up to T + D. The lost writes are not gone:"
                + " they stay in the stopped old primary, and the fence counts them (`writes_not_carried`).\n\n");
        s.append(String.format("An incremental run after a 1 %% change (%s changed, %s fetched by the two replicas)"
                + " took %s here, so:%n%n", kib(o.changedBytes()), kib(o.incrementalFetched()),
                seconds(o.incrementalRun())));
        s.append("| replication every | RPO at most |\n| --- | --- |\n");
        for (int minutes : new int[] {1, 5, 15, 60}) {
            s.append("| ").append(minutes).append(" min | ").append(minutes).append(" min + ")
                    .append(seconds(o.incrementalRun())).append(" |\n");
        }
        s.append("\n");
        s.append(reading(o)).append("\n");
        if (!o.failures().isEmpty()) {
            s.append("\nChecks that FAILED in this run: ").append(String.join("; ", o.failures())).append("\n");
        }
        s.append("<!-- failover:end -->\n");
        BenchWorld.replaceSection(file, "failover", s.toString());
    }

    /** What the figures say, in words. */
    static String reading(Outcome o) {
        Restore same = o.restores().get(0);
        Restore cross = o.restores().get(1);
        Restore original = o.restores().get(2);
        StringBuilder r = new StringBuilder("Reading the figures: ");
        r.append(String.format("a restore within the replica's subnet ran at %.1f MiB/s, the two across subnets at"
                + " %.1f (a new canister) and %.1f MiB/s (the original); ", same.mibPerSecond(), cross.mibPerSecond(),
                original.mibPerSecond()));
        r.append(String.format("the backup canister paid the same for each (%s within its subnet, %s and %s across),"
                + " because the fee table charges an inter-canister call's bytes wherever it goes, as the IC does, and"
                + " the target paid for hashing and storing each chunk either way. Wall times move with the machine's"
                + " load; cycles and messages do not. ", giga(same.cycles()), giga(cross.cycles()),
                giga(original.cycles())));
        r.append(String.format("A promotion is a restore into a new canister on the replica's own subnet plus fixed"
                + " steps, so the manual RTO is of the order of one restore within a subnet (%s above); the promotion"
                + " took %s by hand and %s under the watch, which calls the same promotion, so that difference is the"
                + " machine's load. The automatic path adds the detection window, which the operator chooses: a longer"
                + " --promote-after rides out short outages (each leaves only a `health.down` / `health.up` pair in the"
                + " audit log) at the cost of RTO. ", seconds(same.wall()), seconds(o.promoteCommand()),
                seconds(o.autoPromotion())));
        r.append("Checks made along the way: every restore's target and each promoted canister hold the expected"
                + " checksum, the fail-back carried every write taken during the failover, and the fence counted the"
                + " writes made after the last generation.");
        return r.toString();
    }
}
