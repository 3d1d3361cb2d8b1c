package org.replicator.coordinator.protocol;

import java.util.function.Function;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.ids.PrincipalId;

/** What the protocol clients share: telling "no such method" and "wrong shape" from other failures. */
final class ProtocolCalls {
    private ProtocolCalls() {
    }

    static <T> T decode(PrincipalId canister, String role, String method, byte[] reply, Function<byte[], T> decoder) {
        try {
            return decoder.apply(reply);
        } catch (RuntimeException e) {
            throw new NotSpeakingProtocol(canister, role, method + " replied in an unexpected shape: " + e.getMessage(), e);
        }
    }

    /** A reject that says the method does not exist means the canister lacks the protocol. */
    static RuntimeException classify(IcException e, PrincipalId canister, String role, String method) {
        if (e instanceof IcRejectedException r) {
            String m = r.rejectMessage().toLowerCase();
            if (m.contains("has no update method") || m.contains("has no query method") || m.contains("method not found")
                    || m.contains("did not find") || m.contains("no such method") || m.contains("ic0536")
                    || m.contains("ic0302")) {
                return new NotSpeakingProtocol(canister, role, "it has no method " + method, e);
            }
        }
        return e;
    }
}
