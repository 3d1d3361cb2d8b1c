package org.replicator.localnet.registry;

import java.util.List;
import java.util.Map;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;

/**
 * What the network knows about a subnet, as the IC's registry does: its id, kind, threshold
 * public key (DER), the canister ids it hosts and its nodes' public keys (DER Ed25519).
 */
public record SubnetRecord(
        Principal id,
        String type,
        byte[] publicKeyDer,
        List<CanisterIdRange> canisterRanges,
        Map<Principal, byte[]> nodePublicKeysDer) {

    public boolean hosts(Principal canisterId) {
        return canisterRanges.stream().anyMatch(r -> r.contains(canisterId));
    }
}
