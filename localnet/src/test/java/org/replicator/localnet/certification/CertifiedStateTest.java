package org.replicator.localnet.certification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.ic4j.agent.certification.hashtree.Label;
import org.ic4j.agent.certification.hashtree.LookupResult;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.messages.RejectCode;

class CertifiedStateTest {
    private static final long TIME = 1_700_000_000_123_456_789L;
    private final TestNetwork network = new TestNetwork();
    private final Principal canister = Principal.canister(5);
    private final Principal controller = Principal.selfAuthenticating(new byte[] {1});

    static RequestId requestId(int n) {
        byte[] id = new byte[32];
        id[0] = (byte) n;
        id[31] = (byte) n;
        return RequestId.of(id);
    }

    private IngressStatus received(Principal sender) {
        return IngressStatus.received(new IngressCall(requestId(0), sender, canister, canister, "m", new byte[0],
                TIME + 60_000_000_000L));
    }

    private CertifiedStateBuilder populated() {
        CertifiedStateBuilder builder = new CertifiedStateBuilder().setTime(TIME).setSubnets(network.subnets);
        builder.putCanister(canister, new CanisterCertifiedInfo(new byte[] {7, 7}, new byte[32],
                List.of(controller, Principal.anonymous()),
                Map.of("candid:service", "service : {}".getBytes(StandardCharsets.UTF_8),
                        "candid:service:extra", new byte[] {1}),
                Map.of("secret", new byte[] {2})));
        builder.putIngressStatus(requestId(1), received(controller).replied(new byte[] {4, 2}));
        builder.putIngressStatus(requestId(3), received(controller).rejected(RejectCode.CANISTER_ERROR, "trapped",
                ErrorCode.CANISTER_CALLED_TRAP));
        builder.putIngressStatus(requestId(5), received(controller));
        return builder;
    }

    @Test
    void aFrozenStateNeverChangesAfterwards() {
        CertifiedStateBuilder builder = populated();
        CertifiedState first = builder.freeze(1);
        byte[] rootHash = first.rootHash();
        builder.putIngressStatus(requestId(9), received(controller)).removeCanister(canister).setTime(TIME + 1);
        CertifiedState second = builder.freeze(2);

        assertArrayEquals(rootHash, first.rootHash());
        assertTrue(first.ingressStatus(requestId(9)).isEmpty());
        assertTrue(first.canister(canister).isPresent());
        assertTrue(second.ingressStatus(requestId(9)).isPresent());
        assertTrue(second.canister(canister).isEmpty());
        assertFalse(Arrays.equals(rootHash, second.rootHash()));
    }

    @Test
    void theTreeHoldsTheSpecificationsLayout() throws Exception {
        CertifiedState state = populated().freeze(1);
        HashTree tree = state.tree();
        assertArrayEquals(state.rootHash(), tree.digest());
        Principal sid = network.appSubnet.id();

        assertEquals(TIME, Leb128.decodeUnsigned(value(tree, Path.of("time"))));
        assertArrayEquals(network.appKey.publicKeyDer(), value(tree, Path.of("subnet", sid, "public_key")));
        assertEquals("application", text(tree, Path.of("subnet", sid, "type")));
        assertArrayEquals(network.appNode.publicKeyDer(),
                value(tree, Path.of("subnet", sid, "node", network.appNode.nodeId(), "public_key")));
        List<CertificateVerifierRange> flat = ranges(value(tree, Path.of("subnet", sid, "canister_ranges")));
        assertEquals(List.of(new CertificateVerifierRange(Principal.canister(1 << 20), Principal.canister((2 << 20) - 1))),
                flat);
        assertEquals(flat, ranges(value(tree, Path.of("canister_ranges", sid, Principal.canister(1 << 20)))));

        assertArrayEquals(new byte[] {7, 7}, value(tree, Path.of("canister", canister, "certified_data")));
        assertArrayEquals(new byte[32], value(tree, Path.of("canister", canister, "module_hash")));
        assertEquals("service : {}", text(tree, Path.of("canister", canister, "metadata", "candid:service")));
        assertArrayEquals(new byte[] {2}, value(tree, Path.of("canister", canister, "metadata", "secret")));
        byte[] controllers = value(tree, Path.of("canister", canister, "controllers"));
        assertEquals("d9d9f7", HexFormat.of().formatHex(controllers, 0, 3), "controllers carry the self-describe tag");
        CborArray decoded = (CborArray) CborReader.read(controllers);
        assertEquals(List.of(CborBytes.of(Principal.anonymous().bytes()), CborBytes.of(controller.bytes())),
                decoded.items(), "controllers are sorted");

        assertEquals("replied", text(tree, Path.of("request_status", requestId(1), "status")));
        assertArrayEquals(new byte[] {4, 2}, value(tree, Path.of("request_status", requestId(1), "reply")));
        assertEquals("rejected", text(tree, Path.of("request_status", requestId(3), "status")));
        assertEquals(5, Leb128.decodeUnsigned(value(tree, Path.of("request_status", requestId(3), "reject_code"))));
        assertEquals("trapped", text(tree, Path.of("request_status", requestId(3), "reject_message")));
        assertEquals("IC0503", text(tree, Path.of("request_status", requestId(3), "error_code")));
        assertEquals("received", text(tree, Path.of("request_status", requestId(5), "status")));
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("request_status", requestId(5), "reply")));
    }

    @Test
    void aWitnessRevealsTheRequestedPathsAndTimeAndPrunesEverythingElse() {
        CertifiedState state = populated().freeze(1);
        HashTree witness = state.witness(List.of(Path.of("request_status", requestId(1))));
        assertArrayEquals(state.rootHash(), witness.digest());
        assertEquals(Set.of("request_status", "time"), visibleLabels(witness));
        HashTree.Found status = (HashTree.Found) witness.lookupSubtree(Path.of("request_status"));
        assertEquals(1, status.tree().flattenForks().stream().filter(t -> t instanceof HashTree.Labeled).count(),
                "only the requested id is visible");
        assertArrayEquals(new byte[] {4, 2}, value(witness, Path.of("request_status", requestId(1), "reply")));
        assertInstanceOf(HashTree.Unknown.class, witness.lookup(Path.of("request_status", requestId(3), "status")));
    }

    @Test
    void anUnknownRequestIsProvablyAbsentToUsAndToIc4j() throws Exception {
        CertifiedState state = populated().freeze(1);
        List<Path> paths = List.of(Path.of("request_status", requestId(2)));
        HashTree witness = state.witness(paths);
        assertArrayEquals(state.rootHash(), witness.digest());
        assertInstanceOf(HashTree.Absent.class, witness.lookup(Path.of("request_status", requestId(2), "status")));

        LookupResult ic4j = ic4jTree(witness).lookupPath(new ArrayList<>(List.of(new Label("request_status"),
                new Label(requestId(2).bytes()), new Label("status"))));
        assertEquals(LookupResult.LookupResultStatus.ABSENT, ic4j.status);
    }

    @Test
    void absenceIsProvedBeforeTheFirstAndAfterTheLastLabel() {
        CertifiedState state = populated().freeze(1);
        for (int n : new int[] {0, 200}) {
            HashTree witness = state.witness(List.of(Path.of("request_status", requestId(n))));
            assertInstanceOf(HashTree.Absent.class, witness.lookup(Path.of("request_status", requestId(n), "status")));
        }
    }

    @Test
    void ic4jFindsAMetadataSectionWhoseNameExtendsAnotherSectionsName() throws Exception {
        CertifiedState state = populated().freeze(1);
        Path path = Path.of("canister", canister, "metadata", "candid:service:extra");
        HashTree witness = state.witness(List.of(path));
        LookupResult ic4j = ic4jTree(witness).lookupPath(new ArrayList<>(List.of(new Label("canister"),
                new Label(canister.bytes()), new Label("metadata"), new Label("candid:service:extra"))));
        assertEquals(LookupResult.LookupResultStatus.FOUND, ic4j.status);
        assertArrayEquals(new byte[] {1}, ic4j.value);
    }

    @Test
    void aWitnessForCanisterPathsDoesNotShowTheCanisterRangesLabelThatIc4jWouldMisorder() throws Exception {
        CertifiedState state = populated().freeze(1);
        HashTree witness = state.witness(List.of(Path.of("canister", canister, "controllers")));
        assertEquals(Set.of("canister", "time"), visibleLabels(witness));
        LookupResult ic4j = ic4jTree(witness).lookupPath(new ArrayList<>(List.of(new Label("canister"),
                new Label(canister.bytes()), new Label("controllers"))));
        assertEquals(LookupResult.LookupResultStatus.FOUND, ic4j.status);
    }

    @Test
    void aMissingMetadataSectionIsProvablyAbsent() {
        CertifiedState state = populated().freeze(1);
        HashTree witness = state.witness(List.of(Path.of("canister", canister, "metadata", "candid:args")));
        assertInstanceOf(HashTree.Absent.class, witness.lookup(Path.of("canister", canister, "metadata", "candid:args")));
    }

    @Test
    void aRequestedSubtreeIsRevealedWhole() {
        CertifiedState state = populated().freeze(1);
        HashTree witness = state.witness(List.of(Path.of("subnet", network.rootSubnet.id())));
        HashTree.Found subnet = (HashTree.Found) witness.lookupSubtree(Path.of("subnet", network.rootSubnet.id()));
        assertFalse(containsPruned(subnet.tree()), "the requested subnet is revealed without pruning");
        assertInstanceOf(HashTree.Unknown.class,
                witness.lookup(Path.of("subnet", network.appSubnet.id(), "public_key")));
    }

    @Test
    void pruningByPathHidesAValueButKeepsItsLabel() {
        CertifiedState state = populated().freeze(1);
        Principal app = network.appSubnet.id();
        HashTree witness = state.witness(List.of(Path.of("subnet")),
                path -> path.size() == 3 && !Arrays.equals(path.get(1), network.rootSubnet.id().bytes())
                        && new String(path.get(2), StandardCharsets.UTF_8).equals("canister_ranges"));
        assertArrayEquals(state.rootHash(), witness.digest());
        assertInstanceOf(HashTree.Unknown.class, witness.lookup(Path.of("subnet", app, "canister_ranges")));
        assertInstanceOf(HashTree.Found.class, witness.lookup(Path.of("subnet", app, "public_key")));
        assertInstanceOf(HashTree.Found.class,
                witness.lookup(Path.of("subnet", network.rootSubnet.id(), "canister_ranges")));
    }

    @Test
    void theShardForACanisterIsTheOneWithTheLargestLabelNotAboveIt() {
        CertifiedState state = populated().freeze(1);
        Principal app = network.appSubnet.id();
        assertEquals(Principal.canister(1 << 20), state.canisterRangeShard(app, Principal.canister((1 << 20) + 5))
                .orElseThrow());
        assertTrue(state.canisterRangeShard(app, Principal.canister(5)).isEmpty());
    }

    @Test
    void buildingFromAFrozenStateContinuesWhereItLeftOff() {
        CertifiedState first = populated().freeze(1);
        CertifiedState copy = CertifiedStateBuilder.from(first).freeze(2);
        assertArrayEquals(first.rootHash(), copy.rootHash());
        assertEquals(first.ingressStatus(requestId(1)), copy.ingressStatus(requestId(1)));
    }

    record CertificateVerifierRange(Principal start, Principal end) {
    }

    private static List<CertificateVerifierRange> ranges(byte[] encoded) throws Exception {
        List<CertificateVerifierRange> out = new ArrayList<>();
        CertificateVerifier.decodeRanges(encoded).forEach(r -> out.add(new CertificateVerifierRange(r.start(), r.end())));
        return out;
    }

    static byte[] value(HashTree tree, Path path) {
        HashTree.Lookup lookup = tree.lookup(path);
        assertInstanceOf(HashTree.Found.class, lookup, path.toString());
        return ((HashTree.Found) lookup).value();
    }

    private static String text(HashTree tree, Path path) {
        return new String(value(tree, path), StandardCharsets.UTF_8);
    }

    private static Set<String> visibleLabels(HashTree tree) {
        Set<String> out = new TreeSet<>();
        for (HashTree node : tree.flattenForks()) {
            if (node instanceof HashTree.Labeled l) {
                out.add(new String(l.label(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static boolean containsPruned(HashTree tree) {
        if (tree instanceof HashTree.Pruned) {
            return true;
        }
        if (tree instanceof HashTree.Fork f) {
            return containsPruned(f.left()) || containsPruned(f.right());
        }
        return tree instanceof HashTree.Labeled l && containsPruned(l.subtree());
    }

    static org.ic4j.agent.certification.hashtree.HashTree ic4jTree(HashTree tree) throws Exception {
        return new ObjectMapper(new CBORFactory()).readValue(tree.encode(),
                org.ic4j.agent.certification.hashtree.HashTree.class);
    }
}
