package org.replicator.coordinator.funding;

import java.math.BigInteger;
import java.util.List;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Where the cycles for backup canisters come from: creating a canister on a chosen subnet with an
 * initial balance, and topping one up. One implementation per kind of network, so that the
 * commands that create and feed replicas do not care which one is in use.
 */
public sealed interface CyclesFunding permits ProvisionalFunding, MainnetFunding {

    /** Creates an empty canister on {@code subnet} holding {@code cycles}, controlled by {@code controllers}. */
    PrincipalId createCanister(SubnetInfo subnet, BigInteger cycles, List<PrincipalId> controllers);

    /** Adds {@code cycles} to a canister's balance. */
    void topUp(PrincipalId canister, BigInteger cycles);

    /**
     * Throws {@link FundingUnavailable} if this source cannot top canisters up, before anything
     * is asked of the network, so that a command can refuse before it reads or records anything.
     */
    void checkCanTopUp();

    /** Names the source of cycles, for messages and the audit log. */
    String describe();

    /**
     * The source for the network {@code gateway} talks to: provisional cycles on any network but
     * the IC mainnet (recognised by its pinned root key), where cycles are bought.
     */
    static CyclesFunding forNetwork(IcGateway gateway) {
        return gateway.network().pinnedRootKey().isPresent() ? new MainnetFunding() : new ProvisionalFunding(gateway);
    }
}
