package org.replicator.coordinator.demo;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.quartz.Scheduler;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.cli.Replicator;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.schedule.ScheduledReplication;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.EmbeddedPostgresServer;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.subnet.Subnet;
import picocli.CommandLine;

/**
 * The end-to-end demo behind {@code scripts/demo}: on an embedded localnet and an embedded
 * PostgreSQL, an app developer deploys the demo social network with generated data, and the
 * {@code replicator} command line (run in-process, exactly the commands a user types) protects it
 * with replicas on the two other subnets, replicates fully, replicates incrementally after a
 * change, verifies, and reports cycle costs. Then the failover drill: the app's subnet goes down, a
 * replica is promoted on another subnet, serves and takes writes, is replicated into the remaining
 * replica, the old primary is fenced when its subnet returns, and the service fails back home with
 * every write. Every claim it prints is checked; it exits 0 only if all checks pass.
 */
public final class ReplicationDemo {
    private static final long DEFAULT_MIB = 32;
    private static final int SOURCE_SUBNET = 1;
    /** The replica promoted in the drill lives here; the one on the third subnet keeps replicating. */
    private static final int PROMOTED_SUBNET = 2;
    /** The app's install argument (no arguments: the demo app's defaults, 1 MiB chunks), also given to promote. */
    private static final byte[] INSTALL_ARG = {'D', 'I', 'D', 'L', 0, 0};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dataDir;
    private final long mib;
    private final List<String> failures = new ArrayList<>();
    private int step;

    ReplicationDemo(Path dataDir, long mib) {
        this.dataDir = dataDir;
        this.mib = mib;
    }

    public static void main(String[] args) throws Exception {
        Path dataDir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("replicator-demo-");
        long mib = DEFAULT_MIB;
        if (args.length > 1) {
            try {
                mib = Long.parseLong(args[1]);
            } catch (NumberFormatException e) {
                mib = 0;
            }
            if (mib < 1) {
                System.err.println("usage: scripts/demo [DATA_DIR] [MIB]: MIB is the demo app's size in MiB, a whole"
                        + " number of at least 1, not \"" + args[1] + "\"");
                System.exit(2);
            }
        }
        System.exit(new ReplicationDemo(dataDir, mib).run() ? 0 : 1);
    }

    /** Runs every step; true if every check passed. */
    boolean run() throws Exception {
        Files.createDirectories(dataDir);
        System.out.println("Replicator demo: everything embedded, nothing to set up. Data directory: " + dataDir);
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults());
                EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(dataDir.resolve("postgres"))) {
            step("A local IC network with " + net.subnets().size() + " subnets at " + net.url());
            for (Subnet s : net.subnets()) {
                System.out.printf("      subnet %d  %s%n", s.index(), s.id());
            }

            Path pem = writeIdentity("identity.pem");
            LoadedIdentity identity = Identities.fromPemFile(pem);
            step("An identity for the app's developer, who is also the coordinator: " + identity.principal().text()
                    + " (" + pem + ")");

            IcGateway developer = IcGateway.connect(Network.parse(net.url().toString()), identity, Duration.ofMinutes(2));
            PrincipalId app = deployDemoApp(developer);
            Map<?, ?> stats = Candid.replyRecord(developer.query(app, "stats", Candid.record().toArg()));
            System.out.printf("      %d users, %d posts, %d follows, %,d bytes of pictures%n", Candid.nat64(stats, "users"),
                    Candid.nat64(stats, "posts"), Candid.nat64(stats, "follows"), Candid.nat64(stats, "picture_bytes"));

            String[] common = {"--jdbc-url", postgres.jdbcUrl(), "--db-user", "postgres", "--network",
                    net.url().toString(), "--identity", pem.toString()};
            step("replicator init (embedded PostgreSQL in " + postgres.directory() + ")");
            cli(common, "init");
            step("replicator canister add " + app.text());
            cli(common, "canister", "add", app.text(), "--name", "demo-social");
            step("replicator replica create, twice: backup canisters on the subnets other than the app's");
            cli(common, "replica", "create", app.text());
            cli(common, "replica", "create", app.text());
            List<List<Object>> replicas = rows(postgres,
                    "SELECT replica_id, subnet_id FROM replicas WHERE source_canister_id = '" + app.text() + "' ORDER BY created_at");
            String sourceSubnet = net.subnets().get(SOURCE_SUBNET).id().toText();
            check(replicas.size() == 2, "two replicas exist");
            check(replicas.stream().noneMatch(r -> r.get(1).equals(sourceSubnet)),
                    "no replica is on the app's own subnet");
            check(replicas.size() == 2 && !replicas.get(0).get(1).equals(replicas.get(1).get(1)),
                    "the replicas are on different subnets");

            step("replicator replicate --full: each backup canister pulls the image canister to canister");
            cli(common, "replicate", app.text(), "--full");
            String rootFull = sourceRoot(developer, app);
            checkGenerations(postgres, app, 1, rootFull);

            step("The app changes about 1 % of its data");
            long changed = Candid.nat64(Candid.replyRecord(developer.update(app, "mutate",
                    Candid.record().nat64("bytes", mib * 1024 * 1024 / 100).nat64("seed", 7).toArg())), "changed_bytes");
            System.out.printf("      %,d bytes rewritten%n", changed);

            step("replicator replicate --incremental: only changed chunks travel");
            cli(common, "replicate", app.text(), "--incremental");
            String rootIncremental = sourceRoot(developer, app);
            check(!rootIncremental.equals(rootFull), "the change gave the image a new root");
            checkGenerations(postgres, app, 2, rootIncremental);

            step("replicator verify: each backup canister recomputes its roots from the stored chunks");
            cli(common, "verify", app.text());
            cli(common, "generations", app.text());

            step("replicator costs: the estimate, the backup canisters' own counters and their measured balance changes");
            cli(common, "costs", app.text());
            checkLedgerMatchesBalances(postgres);

            Drill drill = failoverDrill(net, postgres, developer, common, app, replicas);
            UserBackup userBackup = usersBackups(net, postgres, common, app);

            System.out.println();
            System.out.println("Where things are:");
            System.out.println("  app canister      " + app.text() + " on subnet " + SOURCE_SUBNET + " (serving again)");
            for (List<Object> r : replicas) {
                System.out.println("  backup canister   " + r.get(0) + " on subnet " + r.get(1));
            }
            System.out.println("  promoted canister " + drill.promoted() + " on subnet " + PROMOTED_SUBNET
                    + " (stopped by the fail-back)");
            System.out.println("  user's canister   " + userBackup.replica() + " on subnet " + userBackup.subnet()
                    + " (detached: " + userBackup.user() + " alone controls it; identity " + userBackup.pem() + ")");
            System.out.println("  app module        " + wasmFile() + " (what promote installed)");
            System.out.println("  database          " + postgres.jdbcUrl() + " (tables replicas, runs, generations,"
                    + " cycle_ledger, promotions, restores, audit_events)");
            System.out.println("  identity          " + pem);
            System.out.println("  localnet          in memory; it stops with the demo");
        }
        System.out.println();
        if (failures.isEmpty()) {
            System.out.println("All checks passed.");
            return true;
        }
        System.out.println(failures.size() + " check(s) failed:");
        failures.forEach(f -> System.out.println("  - " + f));
        return false;
    }

    /** The user's backup canister, for the summary. */
    private record UserBackup(String user, String replica, String subnet, Path pem) {
    }

    /**
     * Users' backup canisters: a user of the app gets one of their own, paid from their deposit,
     * replicated on their schedule, checked with their identity alone, and taken with them.
     */
    private UserBackup usersBackups(LocalNet net, EmbeddedPostgresServer postgres, String[] common, PrincipalId app)
            throws Exception {
        step("Users' backup canisters: the app lets its users hold backup canisters of their own (docs/users.md)");
        cli(common, "canister", "allow-users", "demo-social");
        Path userPem = writeIdentity("user.pem");
        LoadedIdentity userIdentity = Identities.fromPemFile(userPem);
        String user = userIdentity.principal().text();
        String[] asUser = common.clone();
        asUser[asUser.length - 1] = userPem.toString();

        step("A user of the app (" + user + ", " + userPem + ") pays 5 T cycles in; the operator records the deposit");
        cli(common, "user", "deposit", user, "--cycles", "5000000000000", "--reference", "demo-payment-1");

        step("replicator user request: a backup canister of the app for the user, among its controllers, on the"
                + " user's own schedule (every 5 s for the demo)");
        cli(common, "user", "request", user, "demo-social", "--cron", "0/5 * * * * ?", "--keep-last", "2",
                "--cycles", "1000000000000");
        List<List<Object>> created = rows(postgres, "SELECT replica_id, subnet_id FROM replicas WHERE owner_principal = '"
                + user + "'");
        check(created.size() == 1, "the user holds one backup canister");
        String replica = (String) created.get(0).get(0);
        try (IcGateway userGateway = IcGateway.connect(Network.parse(net.url().toString()), userIdentity,
                Duration.ofMinutes(2))) {
            check(userGateway.canisterStatus(new PrincipalId(replica)).controllers().contains(userIdentity.principal()),
                    "the user is a controller of " + replica);
        }

        step("The schedules run, as `replicator serve` runs them: the user's canister pulls the app, and the run is"
                + " charged to the user");
        try (Database database = Database.open(new DatabaseTarget.External(postgres.jdbcUrl(), "postgres", null));
                IcGateway coordinator = IcGateway.connect(Network.parse(net.url().toString()),
                        Identities.fromPemFile(Path.of(common[common.length - 1])), Duration.ofMinutes(2))) {
            Scheduler scheduler = ScheduledReplication.scheduler(database, () -> coordinator, Duration.ofSeconds(5),
                    new RunProgress() { });
            scheduler.start();
            long started = System.nanoTime();
            try {
                long deadline = started + Duration.ofMinutes(3).toNanos();
                while (rows(postgres, "SELECT 1 FROM user_ledger WHERE kind = 'run'").isEmpty()
                        && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
            } finally {
                scheduler.shutdown(true);
            }
            List<List<Object>> charged = rows(postgres, "SELECT run_id, amount, estimate, bytes FROM user_ledger"
                    + " WHERE kind = 'run' ORDER BY entry_id");
            check(!charged.isEmpty(), "a run into the user's canister was sealed and charged (" + seconds(since(started))
                    + ")");
            for (List<Object> c : charged) {
                System.out.printf("      run %s: %s cycles charged (fee table %s), %,d bytes pulled%n", c.get(0), c.get(1),
                        c.get(2), (Long) c.get(3));
            }
        }

        step("replicator user bill: the storage the canister used since it was created, measured from its balance,"
                + " beside the fee table's figure");
        cli(common, "user", "bill");
        step("replicator user statement: every deposit and charge, with the balance after each");
        cli(common, "user", "statement", user);
        BigInteger credits = sum(postgres, "SELECT coalesce(sum(amount), 0) FROM user_ledger WHERE kind = 'deposit'");
        BigInteger charges = sum(postgres, "SELECT coalesce(sum(amount), 0) FROM user_ledger WHERE kind <> 'deposit'");
        check(credits.equals(new BigInteger("5000000000000")) && charges.signum() > 0,
                "the account holds the deposit less " + charges + " cycles of charges");
        cli(common, "costs", "--user", user);

        step("replicator user verify, as the user, with no database: every chunk re-hashed, every root recomputed");
        cli(asUser, "user", "verify", replica);

        step("replicator user detach: the user takes the canister; the coordinator leaves its controllers");
        cli(common, "user", "detach", replica, "--user", user);
        try (IcGateway userGateway = IcGateway.connect(Network.parse(net.url().toString()), userIdentity,
                Duration.ofMinutes(2))) {
            check(userGateway.canisterStatus(new PrincipalId(replica)).controllers()
                    .equals(List.of(userIdentity.principal())), "the user alone controls " + replica);
        }
        cli(asUser, "user", "verify", replica);
        return new UserBackup(user, replica, (String) created.get(0).get(1), userPem);
    }

    private static BigInteger sum(EmbeddedPostgresServer postgres, String sql) throws SQLException {
        return ((java.math.BigDecimal) rows(postgres, sql).get(0).get(0)).toBigIntegerExact();
    }

    /** What the drill leaves for the summary. */
    private record Drill(String promoted) {
    }

    /**
     * The failover drill with the commands an operator types: the app's subnet goes down, the replica
     * on subnet {@value #PROMOTED_SUBNET} is promoted, serves and takes writes, and is replicated into the
     * remaining replica; the subnet returns, the old primary is fenced, and the service fails back with
     * every write. The steps that decide how long the service is away are timed.
     */
    private Drill failoverDrill(LocalNet net, EmbeddedPostgresServer postgres, IcGateway developer, String[] common,
            PrincipalId app, List<List<Object>> replicas) throws Exception {
        String promotedSubnet = net.subnets().get(PROMOTED_SUBNET).id().toText();
        String toPromote = replicas.stream().filter(r -> r.get(1).equals(promotedSubnet)).map(r -> (String) r.get(0))
                .findFirst().orElseThrow(() -> new IllegalStateException("no replica on subnet " + PROMOTED_SUBNET));
        String remaining = replicas.stream().map(r -> (String) r.get(0)).filter(r -> !r.equals(toPromote)).findFirst()
                .orElseThrow();
        String name = "demo-social";
        Path wasm = Files.write(wasmFile(), CanisterWasm.demoApp().bytes());

        System.out.println();
        System.out.println("The failover drill: the app's subnet goes down, a replica on another subnet takes over, and"
                + " the service comes home with every write.");
        step("The demo halts subnet " + SOURCE_SUBNET + " to simulate an outage: fault injection through the embedded"
                + " localnet's control interface, which the demo may use because it owns this network (replicator"
                + " itself never touches it)");
        byte[] beforeHalt = checksum(developer, app);
        String rootBeforeHalt = sourceRoot(developer, app);
        System.out.println("      the app's checksum before the halt: " + abbreviate(hex(beforeHalt)));
        check(rootBeforeHalt.equals(newestRoot(postgres, toPromote)), toPromote + "'s newest sealed generation holds"
                + " exactly this state (root " + abbreviate(rootBeforeHalt) + ")");
        net.control().halt(SOURCE_SUBNET);
        String silence = null;
        try {
            checksum(developer, app);
        } catch (IcRejectedException e) {
            // a reject is an answer: the subnet ran the query
        } catch (IcException e) {
            silence = e.getMessage();
        }
        check(silence != null, "the app on subnet " + SOURCE_SUBNET
                + " no longer answers a read" + (silence == null ? "" : ": " + abbreviateMessage(silence)));

        step("replicator primary: the database still names the original, which is down");
        check(cli(common, "primary", name).contains("is served by itself"), "the lookup still names the original");

        step("replicator promote: a new canister on subnet " + PROMOTED_SUBNET + " gets the app's module, and backup"
                + " canister " + toPromote + " pushes its newest sealed generation into it, inside that subnet");
        long promoteStart = System.nanoTime();
        cli(common, "promote", name, "--replica", toPromote, "--wasm", wasm.toString(), "--init-arg",
                HexFormat.of().formatHex(INSTALL_ARG));
        Duration promoteTook = since(promoteStart);

        step("replicator primary --json: where clients now find the service");
        Map<String, Object> primary = primaryJson(common, name);
        String promoted = String.valueOf(primary.get("primary"));
        Map<?, ?> promotion = primary.get("promotion") instanceof Map<?, ?> m ? m : Map.of();
        check(!promoted.equals(app.text()) && Boolean.TRUE.equals(primary.get("failed_over")),
                "the service is served by the promoted canister " + promoted);
        check(promotedSubnet.equals(primary.get("subnet")), "it runs on subnet " + PROMOTED_SUBNET
                + ", the promoted replica's subnet");
        check("live".equals(promotion.get("state")), "the promotion is live and the old primary is not fenced yet"
                + " (its subnet cannot be reached)");
        if (promoted.equals(app.text()) || promoted.equals("null")) {
            // nothing took over: the rest of the drill has no service to read, write or fail back
            net.control().resume(SOURCE_SUBNET);
            check(false, "the failover drill stops here: the promotion did not go live");
            return new Drill("none");
        }
        PrincipalId promotedId = PrincipalId.parse(promoted);

        step("The promoted app answers reads with the data sealed before the halt");
        byte[] afterPromote = checksum(developer, promotedId);
        Duration rto = since(promoteStart);
        check(Arrays.equals(beforeHalt, afterPromote), "its checksum " + abbreviate(hex(afterPromote))
                + " equals the original's before the halt");

        step("The promoted app takes writes: about 1 % of its data changes");
        mutate(developer, promotedId, 8);
        byte[] duringFailover = checksum(developer, promotedId);
        check(!Arrays.equals(afterPromote, duringFailover), "the write changed its checksum to "
                + abbreviate(hex(duringFailover)));

        step("replicator replicate --incremental: from the promoted app into " + remaining + ", the replica that is"
                + " not on the promoted app's subnet; the first run from a new source pulls the whole image");
        cli(common, "replicate", name, "--incremental");
        List<List<Object>> run = rows(postgres, "SELECT r.run_id, r.source_canister_id, r.kind, rr.replica_id, rr.state"
                + " FROM runs r JOIN run_replicas rr USING (run_id) WHERE r.run_id = (SELECT max(run_id) FROM runs)");
        check(run.size() == 1 && promoted.equals(run.get(0).get(1)) && remaining.equals(run.get(0).get(3))
                && "sealed".equals(run.get(0).get(4)), "the run read from " + promoted + " and sealed in " + remaining
                + " only");
        check(run.size() == 1 && "full".equals(run.get(0).get(2)), "it was a full pull");
        String promotedRoot = sourceRoot(developer, promotedId);
        check(promotedRoot.equals(newestRoot(postgres, remaining)), remaining + "'s newest root equals the promoted"
                + " app's root " + abbreviate(promotedRoot));

        step("The demo resumes subnet " + SOURCE_SUBNET + " (control interface): the old primary is reachable again"
                + " and must be fenced before anyone can use it");
        net.control().resume(SOURCE_SUBNET);
        byte[] oldPrimary = checksum(developer, app);
        check(Arrays.equals(beforeHalt, oldPrimary), "the old primary answers again, with its state from before the"
                + " halt");

        step("replicator fence --wait 30s: the old primary's writes are refused, the writes it took after its last"
                + " generation counted, and it is stopped");
        long fenceStart = System.nanoTime();
        cli(common, "fence", name, "--wait", "30s");
        Duration fenceTook = since(fenceStart);
        List<List<Object>> fenced = rows(postgres, "SELECT state, writes_not_carried FROM promotions");
        check(fenced.size() == 1 && "fenced".equals(fenced.get(0).get(0)), "the promotion records the old primary"
                + " as fenced");
        check(fenced.size() == 1 && Long.valueOf(0).equals(asLong(fenced.get(0).get(1))), "it took no write after its"
                + " last sealed generation: nothing is lost to the outage (RPO 0 here)");
        String refusal = refusedWrite(developer, app);
        check(refusal != null, "the old primary refuses writes" + (refusal == null ? "" : ": "
                + abbreviateMessage(refusal)));

        step("The promoted app takes more writes");
        mutate(developer, promotedId, 9);
        byte[] lastWrites = checksum(developer, promotedId);
        System.out.println("      its checksum is now " + abbreviate(hex(lastWrites)));

        step("replicator failback: the promoted app is replicated, its writes fenced, replicated once more, and that"
                + " last generation restored into the original, whose root is checked before it serves");
        long failbackStart = System.nanoTime();
        cli(common, "failback", name);
        Duration failbackTook = since(failbackStart);
        byte[] home = checksum(developer, app);
        check(Arrays.equals(lastWrites, home), "the original's checksum " + abbreviate(hex(home)) + " equals the"
                + " promoted app's last one: no write was lost");
        String stopped = refusedWrite(developer, promotedId);
        check(stopped != null, "the promoted canister refuses writes now" + (stopped == null ? "" : ": "
                + abbreviateMessage(stopped)));

        step("replicator primary --json: the service is home");
        Map<String, Object> back = primaryJson(common, name);
        Map<?, ?> backPromotion = back.get("promotion") instanceof Map<?, ?> m ? m : Map.of();
        check(app.text().equals(back.get("primary")) && Boolean.FALSE.equals(back.get("failed_over")),
                "the service is served by the original " + app.text());
        check(sourceSubnet(net).equals(back.get("subnet")), "on subnet " + SOURCE_SUBNET);
        check("failed_back".equals(backPromotion.get("state")), "the promotion is recorded as failed back");

        step("The app changes again; replicator replicate --incremental: both replicas replicate from the original");
        mutate(developer, app, 10);
        cli(common, "replicate", name, "--incremental");
        List<List<Object>> last = rows(postgres, "SELECT r.source_canister_id, rr.replica_id, rr.state FROM runs r"
                + " JOIN run_replicas rr USING (run_id) WHERE r.run_id = (SELECT max(run_id) FROM runs)");
        check(last.size() == 2 && last.stream().allMatch(r -> app.text().equals(r.get(0)) && "sealed".equals(r.get(2))),
                "the run read from the original and sealed in both replicas");
        String homeRoot = sourceRoot(developer, app);
        for (List<Object> r : replicas) {
            check(homeRoot.equals(newestRoot(postgres, (String) r.get(0))), r.get(0) + "'s newest root equals the"
                    + " app's root " + abbreviate(homeRoot));
        }
        List<String> audit = rows(postgres, "SELECT action FROM audit_events WHERE action LIKE 'promote.%' OR action"
                + " LIKE 'failback.%' ORDER BY event_id").stream().map(r -> (String) r.get(0)).toList();
        check(audit.equals(List.of("promote.plan", "promote.live", "promote.fenced", "failback.start", "failback.done")),
                "the audit log holds the failover's trail: " + String.join(", ", audit));

        System.out.println();
        System.out.println("Failover timings (" + mib + " MiB app, embedded localnet on this machine):");
        System.out.printf("  replicator promote                                 %s%n", seconds(promoteTook));
        System.out.printf("  promote started -> promoted app answers (RTO)      %s  (promote, the lookup with"
                + " `primary --json`, a read; the time to notice the outage and decide comes on top)%n", seconds(rto));
        System.out.printf("  replicator fence, once the subnet returned         %s%n", seconds(fenceTook));
        System.out.printf("  replicator failback                                %s  (the promoted app answers reads"
                + " until the original serves; writes are refused from the fence of its writes until then)%n",
                seconds(failbackTook));
        System.out.println("  data lost (RPO)                                    none: the last sealed generation held"
                + " every write; in general, what the app wrote since the last replication run");
        return new Drill(promoted);
    }

    private Map<String, Object> primaryJson(String[] common, String name) {
        String out = cli(common, false, "primary", name, "--json");
        try {
            Map<String, Object> m = JSON.readValue(out, new TypeReference<Map<String, Object>>() { });
            Object promotion = m.get("promotion");
            System.out.println("      primary " + m.get("primary") + " on subnet " + m.get("subnet") + ", failed_over "
                    + m.get("failed_over") + (promotion instanceof Map<?, ?> p ? ", promotion " + p.get("promotion")
                            + " " + p.get("state") : ""));
            return m;
        } catch (IOException e) {
            check(false, "replicator primary --json prints JSON (" + e.getMessage() + ")");
            return Map.of();
        }
    }

    private static byte[] checksum(IcGateway developer, PrincipalId app) {
        return Candid.blob(Candid.replyRecord(developer.query(app, "checksum", Candid.record().toArg())), "checksum");
    }

    private void mutate(IcGateway developer, PrincipalId app, long seed) {
        long changed = Candid.nat64(Candid.replyRecord(developer.update(app, "mutate",
                Candid.record().nat64("bytes", mib * 1024 * 1024 / 100).nat64("seed", seed).toArg())), "changed_bytes");
        System.out.printf("      %,d bytes rewritten in %s%n", changed, app.text());
    }

    /** The refusal's message, or null if the canister took the write. */
    private static String refusedWrite(IcGateway developer, PrincipalId app) {
        try {
            developer.update(app, "mutate", Candid.record().nat64("bytes", 1_000).nat64("seed", 99).toArg());
            return null;
        } catch (IcException e) {
            return e.getMessage();
        }
    }

    private static String newestRoot(EmbeddedPostgresServer postgres, String replica) throws SQLException {
        List<List<Object>> r = rows(postgres, "SELECT encode(root, 'hex') FROM generations WHERE replica_id = '" + replica
                + "' AND sealed_at IS NOT NULL ORDER BY generation_id DESC LIMIT 1");
        return r.isEmpty() ? null : (String) r.get(0).get(0);
    }

    private static String sourceSubnet(LocalNet net) {
        return net.subnets().get(SOURCE_SUBNET).id().toText();
    }

    private Path wasmFile() {
        return dataDir.resolve("demo_app.wasm");
    }

    private static Duration since(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }

    private static String seconds(Duration d) {
        return String.format("%6.1f s", d.toMillis() / 1000.0);
    }

    private static Long asLong(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** The first line of an error, enough to show why. */
    private static String abbreviateMessage(String message) {
        String first = message.lines().findFirst().orElse("");
        return first.length() > 160 ? first.substring(0, 160) + "…" : first;
    }

    /** What `dfx deploy` would do: create the app's canister on the chosen subnet and install it. */
    private PrincipalId deployDemoApp(IcGateway developer) {
        PrincipalId inSourceSubnet = new PrincipalId(Principal.canister(SOURCE_SUBNET * LocalNet.CANISTERS_PER_SUBNET).toString());
        SubnetInfo subnet = developer.subnets(inSourceSubnet).stream().filter(s -> s.hosts(inSourceSubnet)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the network reports no subnet " + SOURCE_SUBNET));
        PrincipalId app = new ProvisionalFunding(developer).createCanister(subnet, BigInteger.TEN.pow(14),
                List.of(developer.caller()));
        developer.installCode(app, CanisterWasm.demoApp().bytes(), INSTALL_ARG);
        step("The demo social network on subnet " + SOURCE_SUBNET + ": " + app.text() + "; generating " + mib + " MiB of users,"
                + " posts and pictures");
        while (true) {
            Map<?, ?> r = Candid.replyRecord(developer.update(app, "generate",
                    Candid.record().nat64("target_mib", mib).nat64("seed", 1).toArg()));
            long bytes = Candid.nat64(r, "data_bytes");
            System.out.printf("\r      %,d of %,d bytes", bytes, mib * 1024 * 1024);
            if (Candid.bool(r, "done")) {
                System.out.println();
                return app;
            }
        }
    }

    /** The image root as the app itself announces it, asked independently of the coordinator. */
    private static String sourceRoot(IcGateway developer, PrincipalId app) {
        Map<?, ?> r;
        do {
            r = Candid.replyRecord(developer.update(app, "replication_begin", Candid.record().toArg()));
        } while (Candid.opt(r, "root").isEmpty());
        long epoch = Candid.nat64(r, "epoch");
        developer.update(app, "replication_end", Candid.record().nat64("epoch", epoch).toArg());
        return HexFormat.of().formatHex(Candid.unbox(Candid.opt(r, "root").get()));
    }

    private void checkGenerations(EmbeddedPostgresServer postgres, PrincipalId app, int expectedPerReplica,
            String sourceRoot) throws SQLException {
        List<List<Object>> latest = rows(postgres, "SELECT g.replica_id, count(*), encode((array_agg(g.root ORDER BY"
                + " g.generation_id DESC))[1], 'hex') FROM generations g JOIN replicas r USING (replica_id)"
                + " WHERE r.source_canister_id = '" + app.text() + "' AND g.sealed_at IS NOT NULL GROUP BY g.replica_id");
        check(latest.size() == 2, "both replicas hold sealed generations");
        for (List<Object> row : latest) {
            check(((Number) row.get(1)).intValue() == expectedPerReplica,
                    row.get(0) + " holds " + expectedPerReplica + " sealed generation(s)");
            check(sourceRoot.equals(row.get(2)), row.get(0) + "'s newest root equals the app's root " + abbreviate(sourceRoot));
        }
    }

    /** Per run and replica, the ledger's rows add up to the balance change the coordinator read. */
    private void checkLedgerMatchesBalances(EmbeddedPostgresServer postgres) throws SQLException {
        List<List<Object>> parts = rows(postgres, """
                SELECT b.run_id, b.canister_id, b.cycles - a.cycles + COALESCE((SELECT sum(t.amount) FROM cycle_ledger t
                         WHERE t.kind = 'top_up' AND t.replica_id = b.canister_id AND t.at > b.read_at
                           AND t.at <= a.read_at), 0),
                       (SELECT COALESCE(sum(CASE WHEN l.kind = 'overcount' THEN -l.amount ELSE l.amount END), 0)
                          FROM cycle_ledger l WHERE l.run_id = b.run_id AND l.replica_id = b.canister_id
                           AND l.kind NOT IN ('estimate', 'top_up'))
                  FROM run_balances b JOIN run_balances a ON a.run_id = b.run_id AND a.canister_id = b.canister_id
                                                       AND a.phase = 'after'
                 WHERE b.phase = 'before' AND b.role = 'replica' ORDER BY b.run_id, b.canister_id""");
        check(parts.size() == 4, "balances were read before and after both runs for both replicas");
        for (List<Object> p : parts) {
            check(new java.math.BigDecimal(p.get(2).toString()).compareTo(new java.math.BigDecimal(p.get(3).toString())) == 0,
                    "run " + p.get(0) + ", " + p.get(1) + ": the ledger's rows add up to the balance change ("
                            + p.get(2) + " cycles)");
        }
    }

    private String cli(String[] common, String... command) {
        return cli(common, true, command);
    }

    /** Runs one command as a user types it; returns what it printed on stdout, shown too if {@code show}. */
    private String cli(String[] common, boolean show, String... command) {
        List<String> args = new ArrayList<>(List.of(common));
        args.addAll(List.of(command));
        System.out.println("      $ replicator " + String.join(" ", command));
        StringWriter out = new StringWriter();
        CommandLine commandLine = Replicator.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        int code = commandLine.execute(args.toArray(String[]::new));
        if (show) {
            System.out.print(out);
            System.out.flush();
        }
        check(code == 0, "replicator " + String.join(" ", command) + " exits 0 (it exited " + code + ")");
        return out.toString();
    }

    private Path writeIdentity(String name) throws IOException {
        Path pem = dataDir.resolve(name);
        if (!Files.exists(pem)) {
            PrivateKeyInfo key = PrivateKeyInfoFactory.createPrivateKeyInfo(
                    new Ed25519PrivateKeyParameters(new SecureRandom()));
            String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
            Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
        }
        return pem;
    }

    private void step(String what) {
        System.out.println();
        System.out.println("[" + ++step + "] " + what);
    }

    private void check(boolean ok, String claim) {
        System.out.println("      " + (ok ? "ok  " : "FAIL") + "  " + claim);
        if (!ok) {
            failures.add(claim);
        }
    }

    private static String abbreviate(String hex) {
        return hex.substring(0, 16) + "…";
    }

    private static List<List<Object>> rows(EmbeddedPostgresServer postgres, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), "postgres", null);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                out.add(row);
            }
            return out;
        }
    }
}
