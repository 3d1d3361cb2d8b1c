package org.replicator.coordinator.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Type;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/**
 * set_source, each generation's source and a run's received cycles, through the coordinator's
 * client against a localnet.
 */
class ReplicationSourceChangeTest {
    private static LocalNet net;
    private static IcClient deployer;
    private static IcGateway coordinator;

    @BeforeAll
    static void start() throws Exception {
        net = LocalNet.start(LocalNetConfig.defaults());
        deployer = IcClient.forNet(net);
        coordinator = IcGateway.connect(Network.parse(net.url().toString()),
                Identities.fromPemFile(IdentitiesTest.fixture("ed25519-dfx.pem")), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        coordinator.close();
        deployer.close();
        net.close();
    }

    private static PrincipalId demoApp() {
        Principal p = deployer.createCanister(1);
        IDLType initType = Candid.optType(IDLType.createType(Type.RECORD, new TreeMap<>()));
        deployer.install(p, CanisterWasm.demoApp().bytes(), "install",
                IDLArgs.create(List.of(IDLValue.create(Optional.empty(), initType))).toBytes());
        deployer.update(p, "create_user", Candid.record().field("name", "u" + p, IDLType.createType(Type.TEXT)).toArg());
        return new PrincipalId(p.toString());
    }

    private static void allow(PrincipalId app, PrincipalId backup) {
        deployer.update(Principal.fromText(app.text()), "replication_allow", Candid.record().principal("principal", backup).toArg());
    }

    private static BackupStatus ended(BackupCanisterClient client, PrincipalId backup) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        BackupStatus s = client.status(backup);
        while (!s.run().map(r -> r.sealed() || r.paused() || r.failed()).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the run never ended; last status: " + s);
            }
            Thread.onSpinWait();
            s = client.status(backup);
        }
        return s;
    }

    @Test
    void theCoordinatorRepointsABackupCanisterAndSeesWhichSourceEachGenerationCameFrom() {
        PrincipalId first = demoApp();
        PrincipalId second = demoApp();
        Principal b = deployer.createCanister(2);
        deployer.install(b, CanisterWasm.backupCanister().bytes(), "install",
                BackupCanisterClient.initArg(first, List.of(coordinator.caller()), 2, null));
        PrincipalId backup = new PrincipalId(b.toString());
        allow(first, backup);
        allow(second, backup);
        BackupCanisterClient client = new BackupCanisterClient(coordinator);
        client.sync(backup);
        assertTrue(ended(client, backup).run().orElseThrow().sealed());

        BackupStatus changed = client.setSource(backup, second);
        assertEquals(second, changed.source());
        assertEquals(1, changed.generations());
        client.sync(backup);
        BackupStatus s = ended(client, backup);
        assertTrue(s.run().orElseThrow().sealed(), s::toString);
        assertFalse(s.run().orElseThrow().incremental(), "the first run against a new source is a full pull");
        List<BackupGeneration> gens = client.generations(backup);
        assertEquals(List.of(Optional.of(first), Optional.of(second)), gens.stream().map(BackupGeneration::source).toList());

        assertEquals(java.math.BigInteger.ZERO, s.run().orElseThrow().cyclesReceived(), "nothing was deposited");
        assertTrue(s.run().orElseThrow().cyclesSpent().signum() > 0);

        IcRejectedException bad = assertThrows(IcRejectedException.class, () -> client.setSource(backup, backup));
        assertTrue(bad.rejectMessage().startsWith("BAD_ARGUMENT: a backup canister cannot be its own source"), bad.getMessage());
    }

    @Test
    void theCoordinatorReadsATopUpDuringARunAsReceivedCyclesApartFromWhatTheRunSpent() {
        PrincipalId app = demoApp();
        Principal b = deployer.createCanister(2);
        deployer.install(b, CanisterWasm.backupCanister().bytes(), "install",
                BackupCanisterClient.initArg(app, List.of(coordinator.caller()), 2, null));
        PrincipalId backup = new PrincipalId(b.toString());
        allow(app, backup);
        BackupCanisterClient client = new BackupCanisterClient(coordinator);
        client.sync(backup);
        net.control().halt(1); // the run waits for its source's subnet while the top-up lands
        java.math.BigInteger tenT = java.math.BigInteger.valueOf(10_000_000_000_000L);
        deployer.update(Principal.managementCanister(), b, "provisional_top_up_canister",
                Candid.record().principal("canister_id", backup).nat("amount", tenT).toArg());
        net.control().advanceTime(Duration.ofSeconds(3));
        net.control().resume(1);
        BackupRun run = ended(client, backup).run().orElseThrow();
        assertTrue(run.sealed(), run::toString);
        assertTrue(run.cyclesReceived().subtract(tenT).abs().compareTo(java.math.BigInteger.valueOf(1_000_000_000L)) < 0,
                run::toString);
        assertTrue(run.cyclesSpent().signum() > 0 && run.cyclesSpent().compareTo(java.math.BigInteger.valueOf(1_000_000_000_000L)) < 0,
                run::toString);
    }
}
