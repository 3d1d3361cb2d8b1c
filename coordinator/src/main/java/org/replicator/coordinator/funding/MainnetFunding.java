package org.replicator.coordinator.funding;

import java.math.BigInteger;
import java.util.List;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Funding on the IC mainnet, where cycles are bought: not implemented yet. docs/coordinator.md
 * ("Funding") describes how it would work (the cycles ledger's {@code create_canister} with a
 * {@code subnet_selection}; its {@code withdraw} to the canister, or a cycles wallet's
 * {@code deposit_cycles}, to top up). Until then every operation is refused with a message that
 * says so, rather than failing half-way through a creation or a top-up.
 */
public final class MainnetFunding implements CyclesFunding {
    static final String NOT_YET = "creating and topping up canisters with real cycles (cycles ledger / CMC) is not"
            + " implemented yet; create the backup canister with dfx or icp-cli on another subnet and fund it there,"
            + " or use a local network (--network local)";
    static final String TOP_UP_NOT_YET = "topping up canisters with real cycles (cycles ledger withdraw / wallet"
            + " deposit_cycles) is not implemented yet; top the canister up with dfx (`dfx cycles top-up CANISTER"
            + " AMOUNT --network ic`) or icp-cli, or use a local network (--network local)";

    @Override
    public PrincipalId createCanister(SubnetInfo subnet, BigInteger cycles, List<PrincipalId> controllers) {
        throw new FundingUnavailable(NOT_YET);
    }

    @Override
    public void topUp(PrincipalId canister, BigInteger cycles) {
        throw new FundingUnavailable(TOP_UP_NOT_YET);
    }

    @Override
    public void checkCanTopUp() {
        throw new FundingUnavailable(TOP_UP_NOT_YET);
    }

    @Override
    public String describe() {
        return "mainnet cycles (not implemented)";
    }
}
