package org.replicator.coordinator.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.NotAControllerException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/** replication_fence and the fence in replication_status, through ic4j against the demo app on a localnet. */
class ReplicationFenceTest {
    private static LocalNet net;
    private static IcClient deployer;
    private static IcGateway controller;
    private static IcGateway stranger;

    @BeforeAll
    static void start() throws Exception {
        net = LocalNet.start(LocalNetConfig.defaults());
        deployer = IcClient.forNet(net);
        LoadedIdentity coordinator = Identities.fromPemFile(IdentitiesTest.fixture("ed25519-dfx.pem"));
        Network network = Network.parse(net.url().toString());
        controller = IcGateway.connect(network, coordinator, Duration.ofSeconds(60));
        stranger = IcGateway.connect(network, Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem")),
                Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        controller.close();
        stranger.close();
        deployer.close();
        net.close();
    }

    private static PrincipalId demoApp() {
        Principal p = deployer.createCanister(1);
        IDLType initType = Candid.optType(IDLType.createType(Type.RECORD, new java.util.TreeMap<>()));
        deployer.install(p, CanisterWasm.demoApp().bytes(), "install",
                IDLArgs.create(List.of(IDLValue.create(Optional.empty(), initType))).toBytes());
        PrincipalId coordinator = controller.caller();
        deployer.setControllers(p, List.of(deployer.principal(), Principal.fromText(coordinator.text())));
        return new PrincipalId(p.toString());
    }

    private static byte[] createUser(String name) {
        return Candid.record().field("name", name, IDLType.createType(Type.TEXT)).toArg();
    }

    @Test
    void theCoordinatorFencesAnAppReadsTheFenceInItsStatusAndUnfencesIt() {
        PrincipalId app = demoApp();
        AppReplicationClient client = new AppReplicationClient(controller);
        ReplicationStatus before = client.status(app);
        assertFalse(before.fenced());
        assertEquals(Optional.empty(), before.fenceReason());

        ReplicationStatus fenced = client.fence(app, true, Optional.of("promoted a replica on subnet 2"));
        assertTrue(fenced.fenced());
        assertEquals(Optional.of("promoted a replica on subnet 2"), fenced.fenceReason());
        assertEquals(fenced, client.status(app));
        IcRejectedException refused = assertThrows(IcRejectedException.class,
                () -> controller.update(app, "create_user", createUser("while fenced")));
        assertEquals("FENCED: promoted a replica on subnet 2", refused.rejectMessage());
        assertTrue(client.beginRooted(app).root().isPresent(), "a fenced app still serves its image");

        ReplicationStatus unfenced = client.fence(app, false, Optional.empty());
        assertFalse(unfenced.fenced());
        assertEquals(Optional.empty(), unfenced.fenceReason());
        controller.update(app, "create_user", createUser("after the fence"));
    }

    @Test
    void aStrangerCannotFenceAnApp() {
        PrincipalId app = demoApp();
        NotAControllerException e = assertThrows(NotAControllerException.class,
                () -> new AppReplicationClient(stranger).fence(app, true, Optional.empty()));
        assertTrue(e.getMessage().contains("NOT_ALLOWED: caller " + stranger.caller().text() + " is not a controller"),
                e.getMessage());
        assertFalse(new AppReplicationClient(controller).status(app).fenced());
    }
}
