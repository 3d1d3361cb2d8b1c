package org.replicator.coordinator.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Type;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.cli.Replicator;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.Digest;
import org.replicator.coordinator.store.EmbeddedPostgresServer;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import picocli.CommandLine;

/**
 * What the coordinator's benchmarks share: a localnet, the coordinator's database and identity,
 * the demo app deployed and filled as a user would, the {@code replicator} command line run
 * in-process, and the writing of a section of docs/benchmarks.md.
 */
final class BenchWorld implements AutoCloseable {
    static final long MIB = 1024 * 1024;
    private static final BigInteger APP_CYCLES = BigInteger.TEN.pow(14);

    final LocalNet net;
    final DatabaseTarget.External db;
    final Path pem;
    final IcGateway gateway;
    final AppReplicationClient apps;
    final BackupCanisterClient backups;

    /** The coordinator, acting as the identity in {@code pem}, on {@code net} with its state in {@code db}. */
    BenchWorld(LocalNet net, DatabaseTarget.External db, Path pem) {
        this.net = net;
        this.db = db;
        this.pem = pem;
        this.gateway = IcGateway.connect(Network.parse(net.url().toString()), Identities.fromPemFile(pem),
                Duration.ofMinutes(2));
        this.apps = new AppReplicationClient(gateway);
        this.backups = new BackupCanisterClient(gateway);
    }

    /** The demo app with the given chunk size on a subnet, created and installed through ic4j as `dfx deploy` would. */
    PrincipalId deployDemoApp(int subnet, long chunkSize) {
        PrincipalId inSubnet = new PrincipalId(Principal.canister(subnet * LocalNet.CANISTERS_PER_SUBNET).toString());
        SubnetInfo info = gateway.subnets(inSubnet).stream().filter(s -> s.hosts(inSubnet)).findFirst()
                .orElseThrow(() -> new IllegalStateException("the network reports no subnet " + subnet));
        PrincipalId app = new ProvisionalFunding(gateway).createCanister(info, APP_CYCLES, List.of(gateway.caller()));
        gateway.installCode(app, CanisterWasm.demoApp().bytes(), demoInitArg(chunkSize));
        return app;
    }

    /** The demo app's install argument (Candid): its chunk size, the rest default. */
    static byte[] demoInitArg(long chunkSize) {
        Candid.RecordBuilder init = Candid.record().field("chunk_size", Optional.of(chunkSize),
                Candid.optType(IDLType.createType(Type.NAT64)));
        return IDLArgs.create(List.of(IDLValue.create(Optional.of(init.values()), Candid.optType(init.type()))))
                .toBytes();
    }

    void generate(PrincipalId app, long mib) {
        while (!Candid.bool(Candid.replyRecord(gateway.update(app, "generate",
                Candid.record().nat64("target_mib", mib).nat64("seed", 1).toArg())), "done")) {
            // generate works within one message's budget; it says when the target is reached
        }
    }

    /** Rewrites about {@code bytes} of the demo app's pictures; returns the bytes it changed. */
    long mutate(PrincipalId app, long bytes, long seed) {
        return Candid.nat64(Candid.replyRecord(gateway.update(app, "mutate",
                Candid.record().nat64("bytes", bytes).nat64("seed", seed).toArg())), "changed_bytes");
    }

    BigInteger balance(PrincipalId canister) {
        return gateway.canisterStatus(canister).cycles();
    }

    /** The demo app's checksum of its logical state, with its counts. */
    String checksum(PrincipalId app) {
        Map<?, ?> r = Candid.replyRecord(gateway.query(app, "checksum", Candid.record().toArg()));
        Map<?, ?> stats = (Map<?, ?>) Candid.field(r, "stats");
        return Digest.of(Candid.blob(r, "checksum")) + " (" + Candid.nat64(stats, "users") + " users, "
                + Candid.nat64(stats, "posts") + " posts, " + Candid.nat64(stats, "data_bytes") + " bytes)";
    }

    /** What a command printed, and how it exited. */
    record CliResult(int code, String out, String err) {
    }

    /** A command a user would type, in-process, acting as the identity; refused unless it exits 0. */
    CliResult cli(String... command) {
        CliResult r = tryCli(command);
        if (r.code() != 0) {
            throw new IllegalStateException("replicator " + String.join(" ", command) + " exited " + r.code() + ": "
                    + r.err());
        }
        return r;
    }

    CliResult tryCli(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--jdbc-url", db.jdbcUrl(), "--db-user", db.user(), "--network", net.url().toString(),
                "--identity", pem.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Replicator.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args.toArray(String[]::new));
        return new CliResult(code, out.toString(), err.toString());
    }

    /** Rows of the coordinator's database, read as an auditor would. */
    List<List<Object>> rows(String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
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
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** The one value a query returns; refused when it returns no row. */
    Object scalar(String sql, Object... params) {
        List<List<Object>> r = rows(sql, params);
        if (r.isEmpty()) {
            throw new IllegalStateException("no row: " + sql);
        }
        return r.get(0).get(0);
    }

    /** The replica of {@code app} that `replica create` put on the localnet's subnet {@code subnet}. */
    PrincipalId replicaOn(PrincipalId app, int subnet) {
        return new PrincipalId((String) scalar("SELECT replica_id FROM replicas WHERE source_canister_id = ?"
                + " AND subnet_id = ?", app.text(), net.subnet(subnet).id().toString()));
    }

    String subnetId(int subnet) {
        return net.subnet(subnet).id().toString();
    }

    @Override
    public void close() {
        gateway.close();
    }

    /** What a benchmark does in a world of its own. */
    interface Body<T> {
        T run(BenchWorld world) throws Exception;
    }

    /**
     * Runs {@code body} on a fresh embedded localnet (3 subnets) with an embedded PostgreSQL and a
     * new identity, as `scripts/bench` does; everything is stopped afterwards.
     */
    static <T> T embedded(Body<T> body) throws Exception {
        Path work = Files.createTempDirectory("replicator-bench-");
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults());
                EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(work.resolve("postgres"));
                BenchWorld world = new BenchWorld(net, new DatabaseTarget.External(postgres.jdbcUrl(), "postgres", null),
                        writeIdentity(work))) {
            return body.run(world);
        }
    }

    static Path writeIdentity(Path dir) throws IOException {
        Path pem = dir.resolve("identity.pem");
        PrivateKeyInfo key = PrivateKeyInfoFactory.createPrivateKeyInfo(new Ed25519PrivateKeyParameters(new SecureRandom()));
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
        return pem;
    }

    static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    static String kib(long bytes) {
        return bytes >= 10 * MIB ? String.format("%.1f MiB", bytes / (double) MIB)
                : String.format("%,.1f KiB", bytes / 1024.0);
    }

    static String giga(BigInteger cycles) {
        return String.format("%.2f B", cycles.doubleValue() / 1e9);
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** Replaces the section between its markers in {@code file}, or appends it. */
    static void replaceSection(Path file, String section, String text) throws IOException {
        String existing = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n";
        String begin = "<!-- " + section + ":begin -->";
        String end = "<!-- " + section + ":end -->\n";
        int from = existing.indexOf(begin);
        int to = existing.indexOf(end);
        String updated = from >= 0 && to > from
                ? existing.substring(0, from) + text + existing.substring(to + end.length())
                : existing + (existing.endsWith("\n\n") ? "" : "\n") + text;
        Files.writeString(file, updated, StandardCharsets.UTF_8);
    }
}
