package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLValue;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.DatabaseTarget;
import org.replicator.coordinator.store.Digest;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/**
 * What the end-to-end tests share: a PostgreSQL server, a localnet with 3 subnets, the test
 * identity (which deploys the demo app, and only sets things up) and the coordinator's PEM
 * identity (which the CLI acts as, a controller of the demo app).
 */
final class ReplicationWorld implements AutoCloseable {
    static final long CHUNK = 64 * 1024;

    /** The shared PostgreSQL server; null when the test runs one of its own. */
    final PostgresForTests postgres;
    /** The in-process localnet; null when the test runs it elsewhere (a child JVM). */
    final LocalNet net;
    /** Where the network answers, whoever runs it. */
    final URI url;
    final IcClient deployer;
    final Path pem;
    final Principal coordinator;
    /** The coordinator's identity through ic4j, for reading what backup canisters report. */
    final IcGateway gateway;
    final BackupCanisterClient backups;

    ReplicationWorld() throws Exception {
        this(PostgresForTests.start(), LocalNet.start(LocalNetConfig.defaults()));
    }

    private ReplicationWorld(PostgresForTests postgres, LocalNet net) throws Exception {
        this(postgres, net, net.url());
    }

    /**
     * A world on a network the test runs itself, at {@code url} (3 subnets), with the given
     * PostgreSQL server or, if null, none (the test brings its own database).
     */
    ReplicationWorld(PostgresForTests postgres, LocalNet net, URI url) throws Exception {
        this.postgres = postgres;
        this.net = net;
        this.url = url;
        deployer = new IcClient(url, IcClient.newIdentity());
        pem = IdentitiesTest.fixture("ed25519-dfx.pem");
        coordinator = Principal.fromText(Identities.fromPemFile(pem).principal().text());
        gateway = IcGateway.connect(Network.parse(url.toString()), Identities.fromPemFile(pem), Duration.ofSeconds(60));
        backups = new BackupCanisterClient(gateway);
        if (net != null) {
            assertEquals(3, net.subnets().size(), "the tests place replicas on the two subnets other than the source's");
        }
    }

    /** The demo app on subnet 1 in 64 KiB chunks, controlled by the test and the coordinator, filled to `mib` MiB. */
    Principal demoApp(long mib, long seed) {
        Principal app = deployer.createCanister(1);
        deployer.install(app, CanisterWasm.demoApp().bytes(), "install", demoInitArg());
        deployer.setControllers(app, List.of(deployer.principal(), coordinator));
        while (true) {
            Map<?, ?> r = Candid.replyRecord(deployer.update(app, "generate",
                    Candid.record().nat64("target_mib", mib).nat64("seed", seed).toArg()));
            if (Candid.bool(r, "done")) {
                return app;
            }
        }
    }

    /** The demo app's install argument: 64 KiB chunks. */
    static byte[] demoInitArg() {
        Candid.RecordBuilder init = Candid.record().field("chunk_size", Optional.of(CHUNK),
                Candid.optType(org.ic4j.candid.parser.IDLType.createType(org.ic4j.candid.types.Type.NAT64)));
        return IDLArgs.create(List.of(IDLValue.create(Optional.of(init.values()), Candid.optType(init.type()))))
                .toBytes();
    }

    /**
     * The demo app filled to {@code mib} MiB, added to the coordinator's database {@code db} (under
     * {@code name} unless null) with {@code replicas} replicas created with {@code replicaOptions}.
     */
    Principal protectedApp(DatabaseTarget.External db, long mib, long seed, String name, int replicas,
            String... replicaOptions) {
        Principal app = demoApp(mib, seed);
        List<String> add = new ArrayList<>(List.of("canister", "add", app.toString()));
        if (name != null) {
            add.addAll(List.of("--name", name));
        }
        CliRunner.Result added = cli(db, add.toArray(String[]::new));
        assertEquals(0, added.code(), added.err());
        for (int i = 0; i < replicas; i++) {
            List<String> create = new ArrayList<>(List.of("replica", "create", app.toString()));
            create.addAll(List.of(replicaOptions));
            CliRunner.Result r = cli(db, create.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
        }
        return app;
    }

    long mutate(Principal app, long bytes, long seed) {
        return Candid.nat64(Candid.replyRecord(deployer.update(app, "mutate",
                Candid.record().nat64("bytes", bytes).nat64("seed", seed).toArg())), "changed_bytes");
    }

    /**
     * Sets {@code canister}'s freezing threshold (as its controller, the coordinator's identity)
     * so that the threshold holds back {@code fraction} of its balance at its present memory size;
     * returns the threshold in seconds. Every byte the canister then stores raises the reserve by
     * balance × fraction / memory, which is how a test makes a backup canister run short of
     * cycles part-way through a few-MiB pull (creating one needs 300 B cycles up front for
     * install_code, far more than such a pull costs).
     */
    BigInteger holdBack(PrincipalId canister, double fraction) {
        PrincipalId management = new PrincipalId("aaaaa-aa");
        Map<?, ?> status = Candid.replyRecord(gateway.update(management, canister, "canister_status",
                Candid.record().principal("canister_id", canister).toArg()));
        java.math.BigDecimal hold = new java.math.BigDecimal(Candid.nat(status, "cycles"))
                .multiply(java.math.BigDecimal.valueOf(fraction));
        BigInteger seconds = hold.multiply(java.math.BigDecimal.valueOf(86_400))
                .divide(new java.math.BigDecimal(Candid.nat(status, "idle_cycles_burned_per_day")), 0,
                        java.math.RoundingMode.DOWN)
                .toBigInteger();
        Candid.RecordBuilder settings = Candid.record().field("freezing_threshold", Optional.of(seconds),
                Candid.optType(org.ic4j.candid.parser.IDLType.createType(org.ic4j.candid.types.Type.NAT)));
        gateway.update(management, canister, "update_settings", Candid.record().principal("canister_id", canister)
                .field("settings", settings.values(), settings.type()).toArg());
        return seconds;
    }

    /** The source's image root, asked independently of the coordinator (a begin of its own, then end). */
    Image sourceImage(Principal app) {
        Map<?, ?> r;
        do {
            r = Candid.replyRecord(deployer.update(app, "replication_begin", Candid.record().toArg()));
        } while (Candid.opt(r, "root").isEmpty());
        long epoch = Candid.nat64(r, "epoch");
        Image image = new Image(epoch, Candid.nat64(r, "size"), Candid.nat64(r, "chunk_count"),
                Digest.of(Candid.unbox(Candid.opt(r, "root").get())));
        deployer.update(app, "replication_end", Candid.record().nat64("epoch", epoch).toArg());
        return image;
    }

    record Image(long epoch, long size, long chunkCount, Digest root) {
    }

    static PrincipalId id(Principal p) {
        return new PrincipalId(p.toString());
    }

    /** The CLI in-process against one database, acting as the coordinator's PEM identity. */
    CliRunner.Result cli(DatabaseTarget.External db, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--jdbc-url", db.jdbcUrl(), "--db-user", db.user(), "--network", url.toString(),
                "--identity", pem.toString()));
        return CliRunner.run(all.toArray(String[]::new));
    }

    /** One value from the coordinator's database (tests read its tables as an auditor would). */
    static Object scalar(DatabaseTarget.External db, String sql) {
        List<List<Object>> rows = rows(db, sql);
        return rows.get(0).get(0);
    }

    static List<List<Object>> rows(DatabaseTarget.External db, String sql) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), null);
                ResultSet rs = c.createStatement().executeQuery(sql)) {
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
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A statement against the coordinator's database, for tests that damage its records on purpose. */
    static void execute(DatabaseTarget.External db, String sql) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), null)) {
            c.createStatement().execute(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static BigInteger big(Object numeric) {
        return new java.math.BigDecimal(numeric.toString()).toBigIntegerExact();
    }

    @Override
    public void close() {
        gateway.close();
        deployer.close();
        if (net != null) {
            net.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
