package org.replicator.localnet.certification;

import java.util.ArrayList;
import java.util.List;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.registry.SubnetRecord;

/**
 * The mutable side of a subnet's state tree, owned by the subnet's thread. Every change is applied
 * to persistent structures, so {@link #freeze} only wraps the current versions: it costs a handful
 * of hashes however large the state is, and the frozen state never changes afterwards.
 */
public final class CertifiedStateBuilder {
    private long timeNanos;
    private LabelTree<IngressStatus> requestStatus;
    private LabelTree<CanisterCertifiedInfo> canisters;
    private LabelTree<Void> subnetTree;
    private LabelTree<Void> rangeTree;
    private List<SubnetRecord> subnets;

    public CertifiedStateBuilder() {
        this.requestStatus = LabelTree.empty();
        this.canisters = LabelTree.empty();
        this.subnetTree = LabelTree.empty();
        this.rangeTree = LabelTree.empty();
        this.subnets = List.of();
    }

    /** Continues from a frozen state (for example one restored from disk) without copying it. */
    public static CertifiedStateBuilder from(CertifiedState state) {
        CertifiedStateBuilder builder = new CertifiedStateBuilder();
        builder.timeNanos = state.timeNanos();
        builder.requestStatus = state.requestStatusTree();
        builder.canisters = state.canisterTree();
        builder.subnetTree = state.subnetTree();
        builder.rangeTree = state.rangeTree();
        builder.subnets = state.subnets();
        return builder;
    }

    /** The value of {@code /time}: nanoseconds since the epoch. */
    public CertifiedStateBuilder setTime(long nanos) {
        this.timeNanos = nanos;
        return this;
    }

    public CertifiedStateBuilder putIngressStatus(RequestId id, IngressStatus status) {
        requestStatus = requestStatus.put(id.bytes(),
                StateNode.subtree(StateTreeLayout.requestStatus(status)), status);
        return this;
    }

    public CertifiedStateBuilder removeIngressStatus(RequestId id) {
        requestStatus = requestStatus.remove(id.bytes());
        return this;
    }

    public CertifiedStateBuilder putCanister(Principal canisterId, CanisterCertifiedInfo info) {
        canisters = canisters.put(canisterId.bytes(), StateNode.subtree(StateTreeLayout.canister(info)), info);
        return this;
    }

    public CertifiedStateBuilder removeCanister(Principal canisterId) {
        canisters = canisters.remove(canisterId.bytes());
        return this;
    }

    /** Every subnet of the network, as the registry describes them; each state tree shows them all. */
    public CertifiedStateBuilder setSubnets(List<SubnetRecord> records) {
        LabelTree<Void> subnetsBuilt = LabelTree.empty();
        LabelTree<Void> rangesBuilt = LabelTree.empty();
        for (SubnetRecord record : records) {
            subnetsBuilt = subnetsBuilt.put(record.id().bytes(), StateNode.subtree(StateTreeLayout.subnet(record)), null);
            rangesBuilt = rangesBuilt.put(record.id().bytes(),
                    StateNode.subtree(StateTreeLayout.rangeShards(record)), null);
        }
        this.subnetTree = subnetsBuilt;
        this.rangeTree = rangesBuilt;
        this.subnets = List.copyOf(new ArrayList<>(records));
        return this;
    }

    public CertifiedState freeze(long height) {
        return new CertifiedState(height, timeNanos, requestStatus, canisters, subnetTree, rangeTree, subnets);
    }
}
