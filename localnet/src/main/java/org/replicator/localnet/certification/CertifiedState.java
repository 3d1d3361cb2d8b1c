package org.replicator.localnet.certification;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.registry.SubnetRecord;

/**
 * A subnet's state tree as of one round: immutable, so HTTP threads read it while the subnet
 * builds the next one. Top level: {@code canister}, {@code canister_ranges}, {@code request_status},
 * {@code subnet} and {@code time}.
 */
public final class CertifiedState {
    private final long height;
    private final long timeNanos;
    private final LabelTree<IngressStatus> requestStatus;
    private final LabelTree<CanisterCertifiedInfo> canisters;
    private final LabelTree<Void> subnetTree;
    private final LabelTree<Void> rangeTree;
    private final List<SubnetRecord> subnets;
    private final LabelTree<Void> root;

    CertifiedState(long height, long timeNanos, LabelTree<IngressStatus> requestStatus,
            LabelTree<CanisterCertifiedInfo> canisters, LabelTree<Void> subnetTree, LabelTree<Void> rangeTree,
            List<SubnetRecord> subnets) {
        this.height = height;
        this.timeNanos = timeNanos;
        this.requestStatus = requestStatus;
        this.canisters = canisters;
        this.subnetTree = subnetTree;
        this.rangeTree = rangeTree;
        this.subnets = subnets;
        this.root = LabelTree.<Void>empty()
                .put(StateTreeLayout.CANISTER, StateNode.subtree(canisters), null)
                .put(StateTreeLayout.CANISTER_RANGES, StateNode.subtree(rangeTree), null)
                .put(StateTreeLayout.REQUEST_STATUS, StateNode.subtree(requestStatus), null)
                .put(StateTreeLayout.SUBNET, StateNode.subtree(subnetTree), null)
                .put(StateTreeLayout.TIME, StateNode.leaf(Leb128.unsigned(timeNanos)), null);
    }

    public long height() {
        return height;
    }

    public long timeNanos() {
        return timeNanos;
    }

    /** The root hash the subnet signs. */
    public byte[] rootHash() {
        return root.digest().clone();
    }

    /** The status of an ingress message, with its uncertified sender and effective canister id. */
    public Optional<IngressStatus> ingressStatus(RequestId id) {
        LabelTree.Node<IngressStatus> node = requestStatus.get(id.bytes());
        return node == null ? Optional.empty() : Optional.of(node.attachment());
    }

    public Optional<CanisterCertifiedInfo> canister(Principal canisterId) {
        LabelTree.Node<CanisterCertifiedInfo> node = canisters.get(canisterId.bytes());
        return node == null ? Optional.empty() : Optional.of(node.attachment());
    }

    /** The subnets this state describes under {@code /subnet}. */
    public List<SubnetRecord> subnets() {
        return subnets;
    }

    public Optional<SubnetRecord> subnet(Principal subnetId) {
        return subnets.stream().filter(s -> s.id().equals(subnetId)).findFirst();
    }

    /**
     * The label of the {@code /canister_ranges/<subnet>} shard that would contain {@code canisterId}:
     * the largest shard label not above it.
     */
    public Optional<Principal> canisterRangeShard(Principal subnetId, Principal canisterId) {
        LabelTree.Node<Void> subnet = rangeTree.get(subnetId.bytes());
        if (subnet == null) {
            return Optional.empty();
        }
        LabelTree<?> shards = ((StateNode.Subtree) subnet.value()).tree();
        LabelTree.Node<?> shard = shards.floor(canisterId.bytes());
        return shard == null ? Optional.empty() : Optional.of(Principal.of(shard.label()));
    }

    /** The whole state tree, unpruned. */
    public HashTree tree() {
        return root.fullTree(List.of(), path -> false);
    }

    /**
     * A hash tree that reveals {@code /time} and every requested path: values at or below a
     * requested path are shown, requested labels that do not exist are proved absent by their
     * neighbours, and everything else is pruned.
     */
    public HashTree witness(List<Path> paths) {
        return witness(paths, path -> false);
    }

    /**
     * Like {@link #witness(List)}, but any revealed node whose full path satisfies {@code pruned}
     * is replaced by its digest (its label stays visible), as v3 read_state does for other
     * subnets' flat canister ranges.
     */
    public HashTree witness(List<Path> paths, Predicate<List<byte[]>> pruned) {
        List<Path> all = new ArrayList<>(paths);
        all.add(Path.of("time"));
        return root.witness(PathTrie.of(all), List.of(), pruned);
    }

    /** A digest of {@code /subnet} and {@code /canister_ranges}, which delegations are cut from. */
    byte[] routingDigest() {
        return Digests.fork(subnetTree.digest(), rangeTree.digest());
    }

    LabelTree<IngressStatus> requestStatusTree() {
        return requestStatus;
    }

    LabelTree<CanisterCertifiedInfo> canisterTree() {
        return canisters;
    }

    LabelTree<Void> subnetTree() {
        return subnetTree;
    }

    LabelTree<Void> rangeTree() {
        return rangeTree;
    }

    @Override
    public String toString() {
        return "CertifiedState[height=" + height + ", time=" + timeNanos + ", requests=" + requestStatus.size()
                + ", canisters=" + canisters.size() + "]";
    }
}
