package org.replicator.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.Scheduler;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.schedule.RetentionPolicy;
import org.replicator.coordinator.schedule.Schedule;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.schedule.Schedules;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Digest;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.RestartablePostgres;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunRepository;
import org.replicator.coordinator.store.SubnetRepository;

/**
 * The status page rendered by a real browser (Debian's Chromium, headless): its script reads the
 * JSON API and draws each canister with its subnets, its last and next run, a progress bar for the
 * run in progress and its cost chart; the screenshot shows the bar and the chart in their colours.
 */
class StatusPageTest {
    private static final PrincipalId SUBNET_A = PrincipalId.parse("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe");
    private static final PrincipalId SUBNET_B = PrincipalId.parse("2vxsx-fae");
    private static final PrincipalId APP = PrincipalId.parse("rrkah-fqaaa-aaaaa-aaaaq-cai");
    private static final PrincipalId REPLICA = PrincipalId.parse("ryjl3-tyaaa-aaaaa-aaaba-cai");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private RestartablePostgres postgres;
    private Database db;
    private StatusServer server;

    @BeforeEach
    void start() throws Exception {
        postgres = RestartablePostgres.start();
        db = Database.open(postgres.createDatabase("page"));
        db.migrate();
        RunRepository runs = new RunRepository();
        db.inTransaction(tx -> {
            new SubnetRepository().recordSeen(tx, SUBNET_A);
            new SubnetRepository().recordSeen(tx, SUBNET_B);
            new CanisterRepository().add(tx, APP, "social", SUBNET_A, null);
            new ReplicaRepository().insert(tx, REPLICA, APP, SUBNET_B, Replica.Status.ACTIVE, null, null, false);
            for (int i = 0; i < 3; i++) {
                Run r = runs.plan(tx, APP, i == 0 ? Run.Kind.FULL : Run.Kind.INCREMENTAL, null, null, List.of(REPLICA));
                runs.begin(tx, r.id(), BigInteger.valueOf(i + 1), new Run.Image(20L << 16, 1 << 16, 20, Digest.of(new byte[32])));
                for (Run.State[] step : new Run.State[][] {{Run.State.BEGUN, Run.State.PULLING},
                        {Run.State.PULLING, Run.State.VERIFYING}, {Run.State.VERIFYING, Run.State.SEALING},
                        {Run.State.SEALING, Run.State.SEALED}}) {
                    runs.transition(tx, r.id(), step[0], step[1]);
                }
                new CycleLedger().record(tx, new CycleEntry.New(r.id(), APP, REPLICA, null, CycleEntry.Kind.TRANSFER,
                        BigInteger.valueOf(i == 0 ? 9_000_000_000L : 1_000_000_000L), "pulled"));
            }
            Run pulling = runs.plan(tx, APP, Run.Kind.INCREMENTAL, null, null, List.of(REPLICA));
            runs.begin(tx, pulling.id(), BigInteger.valueOf(4), new Run.Image(20L << 16, 1 << 16, 20, Digest.of(new byte[32])));
            runs.transition(tx, pulling.id(), Run.State.BEGUN, Run.State.PULLING);
            runs.recordProgress(tx, pulling.id(), REPLICA, 8, 20);
            return null;
        });
        Scheduler scheduler = ScheduledReplication.scheduler(db, () -> null, Duration.ofSeconds(15), new RunProgress() { });
        try {
            new Schedules(db, scheduler).set("social", new Schedule(APP, Optional.empty(),
                    Optional.of(Duration.ofHours(1)), Optional.empty(), new RetentionPolicy(7, 0, 0), false), "tester");
        } finally {
            scheduler.shutdown(false);
        }
        server = StatusServer.start(db, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
        db.close();
        postgres.close();
    }

    @Test
    void thePageShowsEachCanisterWithItsSubnetsRunsProgressAndCostsInAHeadlessBrowser(@TempDir Path dir)
            throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM), "scripts/setup installs Debian's chromium");
        String dom = chromium(dir, "--dump-dom", server.url().toString());
        assertTrue(dom.contains("data-loaded=\"true\""), "the script ran and read the API: " + dom);
        assertTrue(dom.contains("<h2>social<span class=\"badge home\">served by itself</span></h2>"), dom);
        assertTrue(dom.contains(SUBNET_B.text()) && dom.contains("replica " + REPLICA.text() + " (active)"),
                "the replica on its subnet: " + dom);
        assertTrue(dom.contains("aria-valuenow=\"40\"") && dom.contains("8 of 20 chunks pulled"),
                "the run in progress has its bar: " + dom);
        assertTrue(dom.contains("Next run: 20"), "the schedule's next run: " + dom);
        Matcher bars = Pattern.compile("<rect class=\"cost (full|incremental)\"").matcher(dom);
        List<String> kinds = new ArrayList<>();
        while (bars.find()) {
            kinds.add(bars.group(1));
        }
        assertEquals(List.of("full", "incremental", "incremental", "incremental"), kinds, "one bar per run");

        // a loaded machine can take the screenshot before the page's fetches have answered: the
        // picture is taken again, up to three times, until the bars are in it
        Path shot = dir.resolve("status.png");
        BufferedImage image = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            chromium(dir, "--screenshot=" + shot, "--window-size=1000,700", server.url().toString());
            image = ImageIO.read(shot.toFile());
            if (pixels(image, 0x3b73d9) > 200 && pixels(image, 0x1d4fa8) > 200) {
                break;
            }
        }
        // kept with the build's output for a person to look at
        Files.copy(shot, Path.of("target", "status-page.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(1000, image.getWidth());
        assertEquals(700, image.getHeight());
        assertTrue(pixels(image, 0x3b73d9) > 200, "the progress bar and the incremental runs' bars are drawn in blue");
        assertTrue(pixels(image, 0x1d4fa8) > 200, "the full run's bar is drawn darker");
    }

    private static long pixels(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Chromium headless, given time to run the page's script (virtual time: no waiting on the clock). */
    private static String chromium(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + dir.resolve("profile"),
                "--virtual-time-budget=10000"));
        command.addAll(List.of(args));
        Path out = dir.resolve("chromium.out");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(dir.resolve("chromium.err")
                .toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "chromium finished");
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(dir.resolve("chromium.err")));
        return Files.readString(out);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
