package org.replicator.localnet.http;

import java.util.Optional;
import org.replicator.localnet.ids.Principal;

/** What the HTTP gateway needs from the network (implemented by the core's {@code LocalNet}). */
public interface GatewayBackend {
    /** The root subnet's public key, DER (133 bytes): served as {@code root_key} and trusted for certificates. */
    byte[] rootKeyDer();

    /** The replica's current time in nanoseconds since the epoch; ingress expiry is checked against it. */
    long timeNanos();

    /** The subnet whose canister ranges contain {@code canisterId}. */
    Optional<SubnetPort> subnetOfCanister(Principal canisterId);

    /** The subnet with id {@code subnetId}. */
    Optional<SubnetPort> subnet(Principal subnetId);
}
