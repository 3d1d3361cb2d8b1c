package org.replicator.localnet.messages;

import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;

/** An authenticated query submitted through the HTTP interface; never recorded, never charged. */
public record QueryCall(
        RequestId requestId,
        Principal sender,
        Principal canisterId,
        Principal effectiveCanisterId,
        String methodName,
        byte[] arg,
        long ingressExpiryNanos) {
}
