package org.replicator.coordinator.store;

import java.time.Instant;
import org.replicator.coordinator.ids.PrincipalId;

/** A subnet the coordinator has seen hosting a protected canister or a replica. */
public record Subnet(PrincipalId id, Instant firstSeenAt, Instant lastSeenAt) {
}
