package org.replicator.localnet.canister;

import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;

/** Who is waiting for the answer to a call context. */
public sealed interface CallOrigin {
    /** A user's ingress message; the answer goes to the ingress history. */
    record Ingress(RequestId requestId, Principal sender) implements CallOrigin {
    }

    /** Another canister's request; the answer goes back as a response to its callback. */
    record Canister(Principal caller, long callbackId) implements CallOrigin {
    }

    /** A heartbeat or global timer: nobody waits for an answer. */
    record SystemTask() implements CallOrigin {
    }

    default Principal caller() {
        if (this instanceof Ingress i) {
            return i.sender();
        }
        if (this instanceof Canister c) {
            return c.caller();
        }
        return Principal.managementCanister();
    }
}
