package org.replicator.localnet.certification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.ic4j.agent.Agent;
import org.ic4j.agent.AgentError;
import org.ic4j.agent.RequestStatusResponse;
import org.ic4j.agent.SubnetResponse;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.registry.SubnetRecord;

class CertifierTest {
    private static final long TIME = 1_700_000_000_000_000_000L;
    private final TestNetwork network = new TestNetwork();
    private final Certifier rootCertifier = Certifier.forRootSubnet(network.rootKey);
    private final AtomicReference<CertifiedState> rootState = new AtomicReference<>(stateAt(TIME, network.subnets));
    private final Certifier appCertifier = Certifier.forSubnet(network.appKey, rootCertifier, rootState::get,
            Duration.ofMinutes(2));
    private final Principal rootCanister = Principal.canister(2);
    private final Principal appCanister = Principal.canister((1 << 20) + 3);
    private final RequestId request = CertifiedStateTest.requestId(1);

    private static CertifiedState stateAt(long time, List<SubnetRecord> subnets) {
        return new CertifiedStateBuilder().setTime(time).setSubnets(subnets).freeze(time / 1000);
    }

    private CertifiedState stateWithReply(Principal canister) {
        IngressStatus status = IngressStatus.received(new IngressCall(request, Principal.anonymous(), canister,
                canister, "m", new byte[0], TIME)).replied(new byte[] {'D', 'I', 'D', 'L', 0, 0});
        return new CertifiedStateBuilder().setTime(TIME).setSubnets(network.subnets)
                .putIngressStatus(request, status).freeze(7);
    }

    @Test
    void subnetIdsAreTheSelfAuthenticatingIdsOfTheSubnetKeys() {
        assertEquals(network.rootSubnet.id(), rootCertifier.subnetId());
        assertEquals(network.appSubnet.id(), appCertifier.subnetId());
        assertTrue(rootCertifier.isRoot());
        assertTrue(rootCertifier.delegation(DelegationFormat.flat()).isEmpty());
    }

    @Test
    void ic4jReadsARequestStatusFromARootSubnetCertificateWithVerificationOn() throws Exception {
        CertifiedState state = stateWithReply(rootCanister);
        Agent agent = ReadStateOnlyTransport.agent(network.rootKey.publicKeyDer(),
                (ecid, paths) -> rootCertifier.certificate(state, paths, DelegationFormat.flat()));
        RequestStatusResponse response = agent.requestStatusRaw(ReadStateOnlyTransport.ic4j(request),
                ReadStateOnlyTransport.ic4j(rootCanister)).get();
        assertEquals(RequestStatusResponse.InnerStatus.REPLIED_STATUS, response.status);
        assertArrayEquals(new byte[] {'D', 'I', 'D', 'L', 0, 0}, response.replied.orElseThrow().arg);
    }

    @Test
    void ic4jAcceptsADelegatedSubnetsCertificateForCanistersInItsRanges() throws Exception {
        CertifiedState state = stateWithReply(appCanister);
        Agent agent = ReadStateOnlyTransport.agent(network.rootKey.publicKeyDer(),
                (ecid, paths) -> appCertifier.certificate(state, paths, DelegationFormat.flat()));
        RequestStatusResponse response = agent.requestStatusRaw(ReadStateOnlyTransport.ic4j(request),
                ReadStateOnlyTransport.ic4j(appCanister)).get();
        assertEquals(RequestStatusResponse.InnerStatus.REPLIED_STATUS, response.status);
    }

    @Test
    void ic4jRefusesADelegatedSubnetsCertificateForACanisterOutsideItsRanges() {
        CertifiedState state = stateWithReply(appCanister);
        Agent agent = ReadStateOnlyTransport.agent(network.rootKey.publicKeyDer(),
                (ecid, paths) -> appCertifier.certificate(state, paths, DelegationFormat.flat()));
        ExecutionException e = assertThrows(ExecutionException.class, () -> agent.requestStatusRaw(
                ReadStateOnlyTransport.ic4j(request), ReadStateOnlyTransport.ic4j(rootCanister)).get());
        assertEquals(AgentError.AgentErrorCode.CERTIFICATE_NOT_AUTHORIZED, ((AgentError) e.getCause()).getCode());
    }

    @Test
    void ic4jRefusesACertificateSignedWithAnotherKey() {
        CertifiedState state = stateWithReply(rootCanister);
        Certifier impostor = Certifier.forRootSubnet(BlsKeyPair.fromSeed(TestNetwork.seed(99)));
        Agent agent = ReadStateOnlyTransport.agent(network.rootKey.publicKeyDer(),
                (ecid, paths) -> impostor.certificate(state, paths, DelegationFormat.flat()));
        ExecutionException e = assertThrows(ExecutionException.class, () -> agent.requestStatusRaw(
                ReadStateOnlyTransport.ic4j(request), ReadStateOnlyTransport.ic4j(rootCanister)).get());
        assertEquals(AgentError.AgentErrorCode.CERTIFICATE_VERIFICATION_FAILED, ((AgentError) e.getCause()).getCode());
    }

    @Test
    void ic4jReadsNodeKeysAndRangesOfEachSubnetFromTheSubnetPath() throws Exception {
        CertifiedState appState = stateWithReply(appCanister);
        Agent agent = ReadStateOnlyTransport.agent(network.rootKey.publicKeyDer(),
                (ecid, paths) -> appCertifier.certificate(appState, paths, DelegationFormat.flat()));
        SubnetResponse subnet = agent.fetchSubnet(ReadStateOnlyTransport.ic4j(network.appSubnet.id()),
                ReadStateOnlyTransport.ic4j(appCanister)).get();
        assertEquals(ReadStateOnlyTransport.ic4j(network.appSubnet.id()), subnet.key);
        assertArrayEquals(network.appNode.publicKeyDer(),
                subnet.subnet.nodeKeys.get(ReadStateOnlyTransport.ic4j(network.appNode.nodeId())));
        assertEquals(1, subnet.subnet.ranges.size());
    }

    @Test
    void ourVerifierAcceptsEachDelegationFormatAndChecksTheRange() throws Exception {
        CertifiedState state = stateWithReply(appCanister);
        CertificateVerifier verifier = new CertificateVerifier(network.rootKey.publicKeyDer());
        List<Path> paths = List.of(Path.of("request_status", request));

        byte[] flat = appCertifier.certificate(state, paths, DelegationFormat.flat());
        byte[] shard = appCertifier.certificate(state, paths, DelegationFormat.shardFor(appCanister));
        byte[] none = appCertifier.certificate(state, paths, DelegationFormat.withoutRanges());
        for (byte[] certificate : List.of(flat, shard)) {
            assertDoesNotThrow(() -> verifier.verify(certificate, appCanister));
            assertThrows(CertificateException.class, () -> verifier.verify(certificate, rootCanister));
        }
        assertDoesNotThrow(() -> verifier.verify(none, null));
        assertThrows(CertificateException.class, () -> verifier.verify(none, appCanister));
    }

    @Test
    void aShardDelegationRevealsOnlyTheShardAndNotTheFlatRanges() throws Exception {
        Delegation delegation = appCertifier.delegation(DelegationFormat.shardFor(appCanister)).orElseThrow();
        Certificate inner = Certificate.decode(delegation.certificate());
        assertTrue(inner.delegation().isEmpty(), "a delegation certificate has no delegation of its own");
        Principal sid = network.appSubnet.id();
        HashTree tree = inner.tree();
        assertInstanceOf(HashTree.Found.class, tree.lookup(Path.of("subnet", sid, "public_key")));
        assertInstanceOf(HashTree.Found.class, tree.lookup(Path.of("subnet", sid, "type")));
        assertInstanceOf(HashTree.Found.class, tree.lookup(Path.of("time")));
        assertInstanceOf(HashTree.Found.class, tree.lookup(Path.of("canister_ranges", sid, Principal.canister(1 << 20))));
        assertInstanceOf(HashTree.Unknown.class, tree.lookup(Path.of("subnet", sid, "canister_ranges")));

        Certificate flatInner = Certificate.decode(appCertifier.delegation(DelegationFormat.flat()).orElseThrow()
                .certificate());
        assertInstanceOf(HashTree.Found.class, flatInner.tree().lookup(Path.of("subnet", sid, "canister_ranges")));
    }

    @Test
    void aDelegationIsReusedUntilTheRootStateMovesOnByTheRefreshInterval() {
        Delegation first = appCertifier.delegation(DelegationFormat.flat()).orElseThrow();
        rootState.set(stateAt(TIME + Duration.ofSeconds(119).toNanos(), network.subnets));
        assertSame(first, appCertifier.delegation(DelegationFormat.flat()).orElseThrow());

        rootState.set(stateAt(TIME + Duration.ofSeconds(120).toNanos(), network.subnets));
        Delegation refreshed = appCertifier.delegation(DelegationFormat.flat()).orElseThrow();
        assertNotSame(first, refreshed);
        assertSame(refreshed, appCertifier.delegation(DelegationFormat.flat()).orElseThrow());
    }

    @Test
    void aDelegationIsRebuiltAtOnceWhenTheRoutingChanges() throws Exception {
        Delegation first = appCertifier.delegation(DelegationFormat.flat()).orElseThrow();
        SubnetRecord grown = new SubnetRecord(network.appSubnet.id(), "application", network.appSubnet.publicKeyDer(),
                List.of(CanisterIdRange.ofIndices(1 << 20, (3 << 20) - 1)), network.appSubnet.nodePublicKeysDer());
        rootState.set(stateAt(TIME + 1, List.of(network.rootSubnet, grown)));
        Delegation rebuilt = appCertifier.delegation(DelegationFormat.flat()).orElseThrow();
        assertNotSame(first, rebuilt);
        HashTree tree = Certificate.decode(rebuilt.certificate()).tree();
        assertEquals(List.of(CanisterIdRange.ofIndices(1 << 20, (3 << 20) - 1)), CertificateVerifier.decodeRanges(
                ((HashTree.Found) tree.lookup(Path.of("subnet", network.appSubnet.id(), "canister_ranges"))).value()));
    }

    @Test
    void aDataCertificateRevealsTheCanistersCertifiedDataAndTime() throws Exception {
        CertifiedState state = new CertifiedStateBuilder().setTime(TIME).setSubnets(network.subnets)
                .putCanister(appCanister, new CanisterCertifiedInfo(new byte[] {1, 2, 3}, null, List.of(),
                        Map.of(), Map.of()))
                .freeze(1);
        byte[] certificate = appCertifier.dataCertificate(state, appCanister);
        HashTree tree = new CertificateVerifier(network.rootKey.publicKeyDer()).verify(certificate, appCanister);
        assertArrayEquals(new byte[] {1, 2, 3},
                ((HashTree.Found) tree.lookup(Path.of("canister", appCanister, "certified_data"))).value());
        assertInstanceOf(HashTree.Found.class, tree.lookup(Path.of("time")));
        assertInstanceOf(HashTree.Unknown.class, tree.lookup(Path.of("canister", appCanister, "controllers")));
    }

    @Test
    void certifyingAWitnessFromAnotherStateIsRefused() {
        CertifiedState one = stateAt(TIME, network.subnets);
        CertifiedState other = stateAt(TIME + 1, network.subnets);
        assertThrows(IllegalArgumentException.class,
                () -> rootCertifier.certify(one, other.witness(List.of()), DelegationFormat.flat()));
    }

    @Test
    void aDelegationNeedsACertifiedRootState() {
        Certifier orphan = Certifier.forSubnet(network.appKey, rootCertifier, () -> null);
        assertThrows(IllegalStateException.class, () -> orphan.delegation(DelegationFormat.flat()));
    }
}
