package org.replicator.coordinator.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.replicator.coordinator.agent.IcTraffic;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;

/** replication_read_query through ic4j against the demo app on a localnet. */
class ReadByQueryTest {
    private static final long CHUNK = 64 * 1024;
    private static LocalNet net;
    private static IcClient deployer;
    private static PrincipalId app;
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
        Principal p = deployer.createCanister(1);
        Candid.RecordBuilder init = Candid.record().field("chunk_size", Optional.of(CHUNK),
                Candid.optType(IDLType.createType(Type.NAT64)));
        deployer.install(p, CanisterWasm.demoApp().bytes(), "install",
                IDLArgs.create(List.of(IDLValue.create(Optional.of(init.values()), Candid.optType(init.type())))).toBytes());
        deployer.setControllers(p, List.of(deployer.principal(), Principal.fromText(coordinator.principal().text())));
        while (!Candid.bool(Candid.replyRecord(deployer.update(p, "generate",
                Candid.record().nat64("target_mib", 1).nat64("seed", 3).toArg())), "done")) {
            // generate says when it reached the target
        }
        app = new PrincipalId(p.toString());
    }

    @AfterAll
    static void stop() {
        controller.close();
        stranger.close();
        deployer.close();
        net.close();
    }

    @Test
    void aControllerReadsAFrozenChunkByQueryWithTheSameBytesAndHashAsTheUpdate() throws Exception {
        AppReplicationClient client = new AppReplicationClient(controller);
        ImageInfo begun = client.begin(app);
        while (begun.root().isEmpty()) {
            begun = client.begin(app);
        }
        ImageInfo image = begun;
        try {
            IcTraffic before = controller.traffic();
            ImageChunk chunk = client.readByQuery(app, image.epoch(), 1);
            IcTraffic spent = controller.traffic().minus(before);
            assertEquals(CHUNK, chunk.bytes().length);
            assertTrue(chunk.intact(), "the hash served is the bytes' SHA-256");
            assertEquals(Digest.of(MessageDigest.getInstance("SHA-256").digest(chunk.bytes())), chunk.hash());
            assertEquals(1, spent.queryCalls(), "one query and nothing else: " + spent);
            assertEquals(0, spent.updateCalls() + spent.readStateCalls(), spent.toString());
            assertTrue(spent.bytesReceived() > CHUNK, "the chunk came through the gateway: " + spent);

            Map<?, ?> byUpdate = Candid.replyRecord(controller.update(app, "replication_read",
                    Candid.record().nat64("epoch", image.epoch().longValueExact()).nat64("index", 1).toArg()));
            assertEquals(Digest.of(Candid.blob(byUpdate, "hash")), chunk.hash());
            assertArrayEquals(Candid.blob(byUpdate, "bytes"), chunk.bytes());

            IcRejectedException outOfRange = assertThrows(IcRejectedException.class,
                    () -> client.readByQuery(app, image.epoch(), image.chunkCount()));
            assertTrue(outOfRange.rejectMessage().startsWith("INDEX_OUT_OF_RANGE"), outOfRange.getMessage());
        } finally {
            client.end(app, image.epoch());
        }
    }

    @Test
    void aStrangerIsRefusedNotAllowed() {
        AppReplicationClient client = new AppReplicationClient(controller);
        ImageInfo image = client.begin(app);
        try {
            IcRejectedException e = assertThrows(IcRejectedException.class,
                    () -> new AppReplicationClient(stranger).readByQuery(app, image.epoch(), 0));
            assertTrue(e.rejectMessage().startsWith("NOT_ALLOWED: caller " + stranger.caller().text()), e.getMessage());
        } finally {
            client.end(app, image.epoch());
        }
    }
}
