package org.replicator.localnet.certification;

import java.util.List;
import java.util.Map;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.crypto.NodeKeyPair;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.registry.SubnetRecord;

/** Two subnets' keys and registry records, laid out as the localnet lays them out. */
final class TestNetwork {
    static final long INDICES_PER_SUBNET = 1L << 20;

    final BlsKeyPair rootKey = BlsKeyPair.fromSeed(seed(1));
    final BlsKeyPair appKey = BlsKeyPair.fromSeed(seed(2));
    final NodeKeyPair rootNode = NodeKeyPair.fromSeed(seed(3));
    final NodeKeyPair appNode = NodeKeyPair.fromSeed(seed(4));
    final SubnetRecord rootSubnet = record(rootKey, rootNode, "system", 0);
    final SubnetRecord appSubnet = record(appKey, appNode, "application", 1);
    final List<SubnetRecord> subnets = List.of(rootSubnet, appSubnet);

    private static SubnetRecord record(BlsKeyPair key, NodeKeyPair node, String type, int index) {
        return new SubnetRecord(Principal.selfAuthenticating(key.publicKeyDer()), type,
                key.publicKeyDer(),
                List.of(CanisterIdRange.ofIndices(index * INDICES_PER_SUBNET, (index + 1) * INDICES_PER_SUBNET - 1)),
                Map.of(node.nodeId(), node.publicKeyDer()));
    }

    static byte[] seed(int n) {
        byte[] seed = new byte[32];
        seed[0] = (byte) n;
        return seed;
    }
}
