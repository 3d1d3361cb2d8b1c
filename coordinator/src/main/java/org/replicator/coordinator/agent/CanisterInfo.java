package org.replicator.coordinator.agent;

import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;

/**
 * What the IC certifies about a canister to anyone (read_state), no controller rights needed.
 *
 * @param moduleHash empty when no code is installed
 */
public record CanisterInfo(PrincipalId id, PrincipalId subnet, List<PrincipalId> controllers, Optional<Digest> moduleHash) {
}
