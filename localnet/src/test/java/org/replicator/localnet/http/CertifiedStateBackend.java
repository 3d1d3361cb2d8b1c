package org.replicator.localnet.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.CertifiedStateBuilder;
import org.replicator.localnet.certification.Certifier;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.QueryCall;
import org.replicator.localnet.messages.SubmitOutcome;
import org.replicator.localnet.registry.SubnetRecord;

/**
 * The gateway's own data for HTTP tests: two subnets, each with keys, a certifier and a certified
 * state built with {@link CertifiedStateBuilder}. There is no execution: any call into the subnet
 * for messages fails the test, which proves the gateway answered without reaching the network.
 */
final class CertifiedStateBackend implements GatewayBackend {
    final StateSubnet root;
    final StateSubnet app;
    private final long now;

    CertifiedStateBackend(long now) {
        this.now = now;
        BlsKeyPair rootKey = BlsKeyPair.fromSeed(seed(1));
        BlsKeyPair appKey = BlsKeyPair.fromSeed(seed(2));
        NodeKeyPair rootNode = NodeKeyPair.fromSeed(seed(3));
        NodeKeyPair appNode = NodeKeyPair.fromSeed(seed(4));
        SubnetRecord rootRecord = record(rootKey, rootNode, "system", 0);
        SubnetRecord appRecord = record(appKey, appNode, "application", 1);
        Certifier rootCertifier = Certifier.forRootSubnet(rootKey);
        this.root = new StateSubnet(rootRecord, true, rootCertifier, rootNode);
        this.app = new StateSubnet(appRecord, false,
                Certifier.forSubnet(appKey, rootCertifier, root::certifiedState), appNode);
    }

    /** Publishes a state for both subnets: time, the registry, and whatever {@code changes} add. */
    CertifiedStateBackend publish(java.util.function.Consumer<CertifiedStateBuilder> changes) {
        for (StateSubnet subnet : List.of(root, app)) {
            CertifiedStateBuilder builder = new CertifiedStateBuilder().setTime(now)
                    .setSubnets(List.of(root.record, app.record));
            changes.accept(builder);
            subnet.state.set(builder.freeze(1));
        }
        return this;
    }

    @Override
    public byte[] rootKeyDer() {
        return root.record.publicKeyDer();
    }

    @Override
    public long timeNanos() {
        return now;
    }

    @Override
    public Optional<SubnetPort> subnetOfCanister(Principal canisterId) {
        return List.<SubnetPort>of(root, app).stream().filter(s -> s.record().hosts(canisterId)).findFirst();
    }

    @Override
    public Optional<SubnetPort> subnet(Principal subnetId) {
        return List.<SubnetPort>of(root, app).stream().filter(s -> s.record().id().equals(subnetId)).findFirst();
    }

    private static SubnetRecord record(BlsKeyPair key, NodeKeyPair node, String type, int index) {
        return new SubnetRecord(Principal.selfAuthenticating(key.publicKeyDer()), type, key.publicKeyDer(),
                List.of(CanisterIdRange.ofIndices(index * (1L << 20), (index + 1) * (1L << 20) - 1)),
                Map.of(node.nodeId(), node.publicKeyDer()));
    }

    private static byte[] seed(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        return seed;
    }

    static final class StateSubnet implements SubnetPort {
        final SubnetRecord record;
        final AtomicReference<CertifiedState> state = new AtomicReference<>();
        volatile boolean halted;
        private final boolean isRoot;
        private final Certifier certifier;
        private final NodeKeyPair node;

        StateSubnet(SubnetRecord record, boolean isRoot, Certifier certifier, NodeKeyPair node) {
            this.record = record;
            this.isRoot = isRoot;
            this.certifier = certifier;
            this.node = node;
        }

        @Override
        public SubnetRecord record() {
            return record;
        }

        @Override
        public boolean isRoot() {
            return isRoot;
        }

        @Override
        public boolean isHalted() {
            return halted;
        }

        @Override
        public CertifiedState certifiedState() {
            return state.get();
        }

        @Override
        public Certifier certifier() {
            return certifier;
        }

        @Override
        public NodeKeyPair nodeKey() {
            return node;
        }

        @Override
        public SubmitOutcome submit(IngressCall call) {
            throw new AssertionError("the gateway must answer this request without submitting it");
        }

        @Override
        public CompletableFuture<CertifiedState> whenTerminal(RequestId requestId) {
            throw new AssertionError("the gateway must answer this request without waiting for execution");
        }

        @Override
        public CompletableFuture<CallResult> query(QueryCall query) {
            throw new AssertionError("the gateway must answer this request without running a query");
        }
    }
}
