package org.replicator.coordinator.placement;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Chooses the subnet for a new replica. A replica exists to survive the loss of its source's
 * subnet, so the source's own subnet is refused unless the user forces it; among the others, the
 * subnet holding the fewest replicas of this source comes first (spreading copies over subnets),
 * then application subnets (system subnets are for the network's own canisters), then id order
 * so that the choice is repeatable.
 */
public final class Placement {

    /** The outcome: the subnet, and whether it is the source's own (only when forced). */
    public record Choice(SubnetInfo subnet, boolean sameSubnetForced) {
    }

    public Choice choose(PrincipalId sourceSubnet, List<SubnetInfo> subnets, List<PrincipalId> subnetsOfExistingReplicas,
            Optional<PrincipalId> requested, boolean forceSameSubnet) {
        if (requested.isPresent()) {
            PrincipalId wanted = requested.get();
            SubnetInfo subnet = subnets.stream().filter(s -> s.id().equals(wanted)).findFirst()
                    .orElseThrow(() -> new PlacementRefused("subnet " + wanted + " is not one of the network's subnets ("
                            + String.join(", ", subnets.stream().map(s -> s.id().text()).toList()) + ")"));
            if (wanted.equals(sourceSubnet) && !forceSameSubnet) {
                throw sameSubnet(sourceSubnet);
            }
            return new Choice(subnet, wanted.equals(sourceSubnet));
        }
        Optional<SubnetInfo> other = subnets.stream()
                .filter(s -> !s.id().equals(sourceSubnet))
                .min(Comparator.<SubnetInfo>comparingLong(s -> count(subnetsOfExistingReplicas, s.id()))
                        .thenComparing(s -> "application".equals(s.type()) ? 0 : 1)
                        .thenComparing(SubnetInfo::id));
        if (other.isPresent()) {
            return new Choice(other.get(), false);
        }
        if (forceSameSubnet) {
            SubnetInfo own = subnets.stream().filter(s -> s.id().equals(sourceSubnet)).findFirst()
                    .orElseThrow(() -> new PlacementRefused("the source's subnet " + sourceSubnet + " is not known"));
            return new Choice(own, true);
        }
        throw new PlacementRefused("the network has no subnet other than the source's own (" + sourceSubnet
                + "); a replica there would not survive the loss of that subnet. Pass --force-same-subnet to"
                + " create it anyway");
    }

    private static PlacementRefused sameSubnet(PrincipalId subnet) {
        return new PlacementRefused("subnet " + subnet + " is the source canister's own subnet; a replica there would"
                + " be lost with it. Choose another --subnet, or pass --force-same-subnet to create it anyway");
    }

    private static long count(List<PrincipalId> subnets, PrincipalId id) {
        return subnets.stream().filter(id::equals).count();
    }
}
