package org.replicator.coordinator.agent;

import org.replicator.coordinator.ids.PrincipalId;

/** The identity in use is not a controller of the canister, so the IC refused a controller-only call. */
public final class NotAControllerException extends IcException {
    public NotAControllerException(PrincipalId canister, PrincipalId caller, String detail, Throwable cause) {
        super(caller + " is not a controller of canister " + canister + " (" + detail + "); add it with"
                + " `dfx canister update-settings --add-controller " + caller + " " + canister + "` or pass the"
                + " identity of a controller with --identity", cause);
    }
}
