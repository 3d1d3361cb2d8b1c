package org.replicator.coordinator.store;

import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * A canister the coordinator protects.
 *
 * @param liveCanister where the service runs now: the canister itself until a replica is promoted
 * @param liveSubnet   the subnet of {@code liveCanister}
 * @param moduleHash   the module installed when it was last looked at; empty for a canister without code
 * @param userBackupsAllowed whether the app lets its users ask for backup canisters of their own
 */
public record ProtectedCanister(
        PrincipalId id,
        Optional<String> name,
        PrincipalId subnet,
        Optional<Digest> moduleHash,
        PrincipalId liveCanister,
        PrincipalId liveSubnet,
        Instant addedAt,
        boolean userBackupsAllowed) {

    /** A replica was promoted and serves in this canister's place. */
    public boolean failedOver() {
        return !liveCanister.equals(id);
    }
}
