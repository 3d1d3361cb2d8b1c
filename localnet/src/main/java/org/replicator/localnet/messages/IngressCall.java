package org.replicator.localnet.messages;

import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;

/** An authenticated update call submitted through the HTTP interface. */
public record IngressCall(
        RequestId requestId,
        Principal sender,
        Principal canisterId,
        Principal effectiveCanisterId,
        String methodName,
        byte[] arg,
        long ingressExpiryNanos) {
}
