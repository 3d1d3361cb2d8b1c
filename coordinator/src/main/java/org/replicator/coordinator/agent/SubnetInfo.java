package org.replicator.coordinator.agent;

import java.util.List;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * A subnet as the network certifies it: its id, its type (application, system, …, empty when the
 * certificate does not say) and the canister ids it hosts.
 */
public record SubnetInfo(PrincipalId id, String type, List<CanisterRange> ranges) {
    public SubnetInfo {
        ranges = List.copyOf(ranges);
    }

    public boolean hosts(PrincipalId canister) {
        return ranges.stream().anyMatch(r -> r.contains(canister));
    }
}
