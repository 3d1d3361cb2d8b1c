package org.replicator.coordinator.protocol;

import org.replicator.coordinator.ids.PrincipalId;

/**
 * A canister that does not answer the replication protocol: it lacks the method, or replies in
 * a shape the protocol does not have. Nothing was changed by the call that found it out.
 */
public final class NotSpeakingProtocol extends RuntimeException {
    public NotSpeakingProtocol(PrincipalId canister, String role, String detail, Throwable cause) {
        super("canister " + canister + " does not speak the replication protocol as " + role + " (" + detail + ");"
                + " an app must link the replication library (docs/protocol.md)", cause);
    }
}
