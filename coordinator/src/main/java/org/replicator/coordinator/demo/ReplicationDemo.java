package org.replicator.coordinator.demo;

import java.io.IOException;
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
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.cli.Replicator;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.EmbeddedPostgresServer;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.subnet.Subnet;

/**
 * The end-to-end demo behind {@code scripts/demo}: on an embedded localnet and an embedded
 * PostgreSQL, an app developer deploys the demo social network with generated data, and the
 * {@code replicator} command line (run in-process, exactly the commands a user types) protects it
 * with replicas on the two other subnets, replicates fully, replicates incrementally after a
 * change, verifies, and reports cycle costs. Every claim it prints is checked; it exits 0 only if
 * all checks pass.
 */
public final class ReplicationDemo {
    private static final long DEFAULT_MIB = 32;
    private static final int SOURCE_SUBNET = 1;

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
        long mib = args.length > 1 ? Long.parseLong(args[1]) : DEFAULT_MIB;
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

            Path pem = writeIdentity();
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

            System.out.println();
            System.out.println("Where things are:");
            System.out.println("  app canister      " + app.text() + " on subnet " + SOURCE_SUBNET);
            for (List<Object> r : replicas) {
                System.out.println("  backup canister   " + r.get(0) + " on subnet " + r.get(1));
            }
            System.out.println("  database          " + postgres.jdbcUrl() + " (tables replicas, runs, generations,"
                    + " cycle_ledger, audit_events)");
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

    /** What `dfx deploy` would do: create the app's canister on the chosen subnet and install it. */
    private PrincipalId deployDemoApp(IcGateway developer) {
        PrincipalId inSourceSubnet = new PrincipalId(Principal.canister(SOURCE_SUBNET * LocalNet.CANISTERS_PER_SUBNET).toString());
        SubnetInfo subnet = developer.subnets(inSourceSubnet).stream().filter(s -> s.hosts(inSourceSubnet)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the network reports no subnet " + SOURCE_SUBNET));
        PrincipalId app = new ProvisionalFunding(developer).createCanister(subnet, BigInteger.TEN.pow(14),
                List.of(developer.caller()));
        developer.installCode(app, CanisterWasm.demoApp().bytes(), new byte[] {'D', 'I', 'D', 'L', 0, 0});
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

    private void cli(String[] common, String... command) {
        List<String> args = new ArrayList<>(List.of(common));
        args.addAll(List.of(command));
        System.out.println("      $ replicator " + String.join(" ", command));
        int code = Replicator.commandLine().execute(args.toArray(String[]::new));
        check(code == 0, "replicator " + String.join(" ", command) + " exits 0 (it exited " + code + ")");
    }

    private Path writeIdentity() throws IOException {
        Path pem = dataDir.resolve("identity.pem");
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
