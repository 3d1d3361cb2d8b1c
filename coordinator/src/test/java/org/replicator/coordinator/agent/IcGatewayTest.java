package org.replicator.coordinator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/** The gateway against a real localnet over HTTP, with certificates verified. */
class IcGatewayTest {
    private static LocalNet net;
    private static IcClient deployer;
    private static Principal canister;
    private static LoadedIdentity coordinator;
    private static IcGateway gateway;

    @BeforeAll
    static void startNetwork() throws Exception {
        net = LocalNet.start(LocalNetConfig.defaults());
        deployer = IcClient.forNet(net);
        canister = deployer.deploy(1, TestCanisters.universal());
        coordinator = Identities.fromPemFile(IdentitiesTest.fixture("secp256k1-sec1.pem"));
        gateway = IcGateway.connect(Network.parse(net.url().toString()), coordinator, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stopNetwork() {
        gateway.close();
        deployer.close();
        net.close();
    }

    @Test
    void canisterInfoTellsTheSubnetControllersAndModuleHashFromACertificate() throws Exception {
        CanisterInfo info = gateway.canisterInfo(id(canister));
        assertEquals(id(net.subnet(1).id()), info.subnet());
        assertEquals(List.of(id(deployer.principal())), info.controllers());
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(TestCanisters.universal());
        assertEquals(Optional.of(Digest.of(sha)), info.moduleHash());
    }

    @Test
    void canisterInfoOfACanisterOnTheRootSubnetNamesTheRootSubnet() {
        Principal onRoot = deployer.createCanister(0);
        CanisterInfo info = gateway.canisterInfo(id(onRoot));
        assertEquals(id(net.subnet(0).id()), info.subnet());
        assertEquals(Optional.empty(), info.moduleHash());
    }

    @Test
    void aCanisterIdNeverCreatedIsAnUnknownCanister() {
        PrincipalId never = id(Principal.canister(2 * LocalNet.CANISTERS_PER_SUBNET + 4242));
        UnknownCanisterException e = assertThrows(UnknownCanisterException.class, () -> gateway.canisterInfo(never));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aCanisterIdOutsideEverySubnetIsAnUnknownCanister() {
        PrincipalId outside = id(Principal.canister(40 * LocalNet.CANISTERS_PER_SUBNET));
        assertThrows(UnknownCanisterException.class, () -> gateway.canisterInfo(outside));
    }

    @Test
    void canisterStatusIsRefusedAtOnceToANonController() {
        long started = System.nanoTime();
        NotAControllerException e = assertThrows(NotAControllerException.class,
                () -> gateway.canisterStatus(id(canister)));
        assertTrue(e.getMessage().contains(coordinator.principal().text()), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10, "refused without polling to a timeout");
    }

    @Test
    void canisterStatusReportsStateBalanceAndControllersToAController() {
        Principal owned = deployer.deploy(2, TestCanisters.universal());
        deployer.setControllers(owned, List.of(deployer.principal(), Principal.of(coordinator.principal().bytes())));
        CanisterStatus status = gateway.canisterStatus(id(owned));
        assertEquals(CanisterStatus.RunState.RUNNING, status.state());
        assertTrue(status.cycles().signum() > 0);
        assertTrue(status.controllers().contains(coordinator.principal()));
        assertTrue(status.moduleHash().isPresent());
    }

    @Test
    void updatesAndQueriesCarryRawCandidBothWays() {
        byte[] reply = gateway.update(id(canister), "update", Universal.program().replyWith(new byte[] {7, 8}).build());
        assertEquals(List.of((byte) 7, (byte) 8), List.of(reply[0], reply[1]));
        byte[] q = gateway.query(id(canister), "query", Universal.program().replyWith(new byte[] {9}).build());
        assertEquals(9, q[0]);
    }

    @Test
    void trafficCountsEachRequestByKindWithItsBodyBytes() {
        byte[] payload = new byte[10_000];
        IcTraffic before = gateway.traffic();
        gateway.query(id(canister), "query", Universal.program().replyWith(payload).build());
        IcTraffic query = gateway.traffic().minus(before);
        assertEquals(new IcTraffic(0, 1, 0, 0, query.bytesSent(), query.bytesReceived()), query);
        assertTrue(query.bytesReceived() > payload.length, "the reply carried the payload: " + query);

        IcTraffic beforeUpdate = gateway.traffic();
        gateway.update(id(canister), "update", Universal.program().replyWith(new byte[] {1}).build());
        IcTraffic update = gateway.traffic().minus(beforeUpdate);
        assertEquals(1, update.updateCalls(), update.toString());
        assertTrue(update.readStateCalls() >= 1, "the certified reply is fetched by read_state: " + update);
        assertEquals(0, update.queryCalls() + update.statusCalls(), update.toString());
        assertTrue(update.bytesReceived() < payload.length && update.bytesSent() > 0, update.toString());
        assertEquals(update.updateCalls() + update.readStateCalls(), update.requests());
    }

    @Test
    void aCanisterRejectComesBackWithItsCodeAndMessage() {
        IcRejectedException e = assertThrows(IcRejectedException.class, () -> gateway.update(id(canister), "update",
                Universal.program().rejectWith("no thanks").build()));
        assertEquals(4, e.rejectCode());
        assertTrue(e.getMessage().contains("no thanks"), e.getMessage());
    }

    @Test
    void aTrapIsACanisterError() {
        IcRejectedException e = assertThrows(IcRejectedException.class, () -> gateway.query(id(canister), "query",
                Universal.program().trapWith("boom").build()));
        assertEquals(5, e.rejectCode());
    }

    @Test
    void aUrlWhereNothingListensIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        IcUnreachableException e = assertThrows(IcUnreachableException.class, () -> IcGateway.connect(
                Network.parse("http://127.0.0.1:" + port), Identities.anonymous(), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void theMainnetKeyDoesNotVerifyALocalnetCertificate() {
        Network pretending = new Network("fake-mainnet", net.url(), Optional.of(MainnetRootKey.der()));
        try (IcGateway wrongKey = IcGateway.connect(pretending, Identities.anonymous(), Duration.ofSeconds(10))) {
            IcProtocolException e = assertThrows(IcProtocolException.class, () -> wrongKey.canisterInfo(id(canister)));
            assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
        }
    }

    private static PrincipalId id(Principal p) {
        return PrincipalId.ofBytes(p.bytes());
    }
}
