package org.replicator.coordinator.agent;

import java.net.URI;
import org.replicator.coordinator.ids.PrincipalId;

/** No canister with this id exists on the network (never created, deleted, or outside every subnet). */
public final class UnknownCanisterException extends IcException {
    private final PrincipalId canister;

    public UnknownCanisterException(PrincipalId canister, URI network, String detail) {
        super("canister " + canister + " does not exist on " + network + " (" + detail + "); check the id and --network",
                null);
        this.canister = canister;
    }

    public PrincipalId canister() {
        return canister;
    }
}
