package org.replicator.localnet.certification;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.cbor.CborWriter;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.registry.SubnetRecord;

/** The labels and encodings of the state tree (spec "The system state tree"). */
final class StateTreeLayout {
    static final byte[] CANISTER = utf8("canister");
    static final byte[] CANISTER_RANGES = utf8("canister_ranges");
    static final byte[] REQUEST_STATUS = utf8("request_status");
    static final byte[] SUBNET = utf8("subnet");
    static final byte[] TIME = utf8("time");

    private StateTreeLayout() {
    }

    /** {@code /request_status/<id>}: status, then the reply or the reject details. */
    static LabelTree<Void> requestStatus(IngressStatus status) {
        LabelTree<Void> tree = LabelTree.<Void>empty()
                .put(utf8("status"), StateNode.leaf(utf8(status.state().label())), null);
        switch (status.state()) {
            case REPLIED -> tree = tree.put(utf8("reply"), StateNode.leaf(status.reply().clone()), null);
            case REJECTED -> {
                tree = tree.put(utf8("reject_code"), StateNode.leaf(Leb128.unsigned(status.rejectCode().code())), null)
                        .put(utf8("reject_message"), StateNode.leaf(utf8(status.rejectMessage())), null);
                if (status.errorCode() != null) {
                    tree = tree.put(utf8("error_code"), StateNode.leaf(utf8(status.errorCode().text())), null);
                }
            }
            default -> {
            }
        }
        return tree;
    }

    /** {@code /canister/<id>}: certified data, controllers, metadata and module hash. */
    static LabelTree<Void> canister(CanisterCertifiedInfo info) {
        List<Principal> controllers = new ArrayList<>(info.controllers());
        controllers.sort(Comparator.naturalOrder());
        List<CborValue> encoded = new ArrayList<>();
        controllers.forEach(c -> encoded.add(CborBytes.of(c.bytes())));
        LabelTree<Void> tree = LabelTree.<Void>empty()
                .put(utf8("certified_data"), StateNode.leaf(info.certifiedDataUnsafe()), null)
                .put(utf8("controllers"), StateNode.leaf(CborWriter.encode(new CborArray(encoded), true)), null);
        if (info.moduleHashUnsafe() != null) {
            tree = tree.put(utf8("module_hash"), StateNode.leaf(info.moduleHashUnsafe()), null);
        }
        LabelTree<Void> metadata = LabelTree.empty();
        for (Map<String, byte[]> sections : List.of(info.publicMetadata(), info.privateMetadata())) {
            for (Map.Entry<String, byte[]> section : sections.entrySet()) {
                metadata = metadata.put(utf8(section.getKey()), StateNode.leaf(section.getValue()), null);
            }
        }
        if (!metadata.isEmpty()) {
            tree = tree.put(utf8("metadata"), StateNode.subtree(metadata), null);
        }
        return tree;
    }

    /** {@code /subnet/<id>}: ranges, node keys, public key and type. */
    static LabelTree<Void> subnet(SubnetRecord record) {
        LabelTree<Void> nodes = LabelTree.empty();
        for (Map.Entry<Principal, byte[]> node : record.nodePublicKeysDer().entrySet()) {
            LabelTree<Void> nodeTree = LabelTree.<Void>empty()
                    .put(utf8("public_key"), StateNode.leaf(node.getValue().clone()), null);
            nodes = nodes.put(node.getKey().bytes(), StateNode.subtree(nodeTree), null);
        }
        return LabelTree.<Void>empty()
                .put(utf8("canister_ranges"), StateNode.leaf(ranges(record.canisterRanges())), null)
                .put(utf8("node"), StateNode.subtree(nodes), null)
                .put(utf8("public_key"), StateNode.leaf(record.publicKeyDer().clone()), null)
                .put(utf8("type"), StateNode.leaf(utf8(record.type())), null);
    }

    /**
     * {@code /canister_ranges/<id>}: one shard per range, labelled with the range's first id, so
     * the shard for an id is the one with the largest label not above it.
     */
    static LabelTree<Void> rangeShards(SubnetRecord record) {
        LabelTree<Void> shards = LabelTree.empty();
        for (CanisterIdRange range : sortedRanges(record.canisterRanges())) {
            shards = shards.put(range.start().bytes(), StateNode.leaf(ranges(List.of(range))), null);
        }
        return shards;
    }

    /** CBOR {@code 55799([* [start, end]])}, ranges in ascending order. */
    static byte[] ranges(List<CanisterIdRange> ranges) {
        List<CborValue> items = new ArrayList<>();
        for (CanisterIdRange range : sortedRanges(ranges)) {
            items.add(CborArray.of(CborBytes.of(range.start().bytes()), CborBytes.of(range.end().bytes())));
        }
        return CborWriter.encode(new CborArray(items), true);
    }

    private static List<CanisterIdRange> sortedRanges(List<CanisterIdRange> ranges) {
        List<CanisterIdRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparing(CanisterIdRange::start));
        return sorted;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
