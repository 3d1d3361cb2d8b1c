package org.replicator.coordinator.costs;

import java.math.BigInteger;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.NotAControllerException;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Reads a canister's cycle balance with the management canister's {@code canister_status}, which
 * only a controller may ask. A balance that cannot be read is an answer too (with the reason):
 * measuring a run's cost must never be what makes the run fail.
 */
public final class BalanceProbe {
    private final IcGateway gateway;

    public BalanceProbe(IcGateway gateway) {
        this.gateway = gateway;
    }

    /** A balance, or why there is none. */
    public sealed interface Balance permits Known, Unreadable {
    }

    public record Known(BigInteger cycles) implements Balance {
    }

    public record Unreadable(String reason) implements Balance {
    }

    public Balance read(PrincipalId canister, Retrier retrier) {
        try {
            return new Known(retrier.retrying("canister_status of " + canister, () -> gateway.canisterStatus(canister))
                    .cycles());
        } catch (NotAControllerException e) {
            return new Unreadable("the identity " + gateway.caller() + " is not a controller of " + canister
                    + ", and only controllers may read its balance");
        } catch (IcException e) {
            return new Unreadable(e.getMessage());
        }
    }
}
