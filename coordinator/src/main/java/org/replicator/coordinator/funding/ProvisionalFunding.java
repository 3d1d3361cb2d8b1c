package org.replicator.coordinator.funding;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.types.Type;
import org.ic4j.types.Principal;
import org.replicator.coordinator.agent.Candid;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcProtocolException;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Cycles made out of nothing, as local and test networks allow: the management canister's
 * {@code provisional_create_canister_with_cycles} and {@code provisional_top_up_canister}. A
 * creation is routed to a subnet by its effective canister id, so it names the first id of the
 * chosen subnet's first range (the spec lets a development network create the canister on the
 * subnet that hosts the effective id).
 */
public final class ProvisionalFunding implements CyclesFunding {
    private static final PrincipalId MANAGEMENT = new PrincipalId("aaaaa-aa");

    private final IcGateway gateway;

    public ProvisionalFunding(IcGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public PrincipalId createCanister(SubnetInfo subnet, BigInteger cycles, List<PrincipalId> controllers) {
        if (subnet.ranges().isEmpty()) {
            throw new IllegalArgumentException("subnet " + subnet.id() + " hosts no canister ids");
        }
        Principal[] ids = controllers.stream().map(PrincipalId::toIc4j).toArray(Principal[]::new);
        Candid.RecordBuilder settings = Candid.record().field("controllers", Optional.of(ids),
                Candid.optType(Candid.vecType(IDLType.createType(Type.PRINCIPAL))));
        byte[] arg = Candid.record()
                .field("amount", Optional.of(cycles), Candid.optType(IDLType.createType(Type.NAT)))
                .field("settings", Optional.of(settings.values()), Candid.optType(settings.type()))
                .toArg();
        PrincipalId routedBy = subnet.ranges().get(0).start();
        byte[] reply = gateway.update(MANAGEMENT, routedBy, "provisional_create_canister_with_cycles", arg);
        PrincipalId created;
        try {
            created = Candid.principal(Candid.replyRecord(reply), "canister_id");
        } catch (RuntimeException e) {
            throw new IcProtocolException("provisional_create_canister_with_cycles answered in an unexpected shape: " + e, e);
        }
        if (!subnet.hosts(created)) {
            throw new IcProtocolException("the network created canister " + created + " outside the ranges of subnet "
                    + subnet.id() + " it was routed to", null);
        }
        return created;
    }

    @Override
    public void topUp(PrincipalId canister, BigInteger cycles) {
        byte[] arg = Candid.record().principal("canister_id", canister).nat("amount", cycles).toArg();
        gateway.update(MANAGEMENT, canister, "provisional_top_up_canister", arg);
    }

    @Override
    public void checkCanTopUp() {
        // any caller may top up any canister with provisional cycles on a development network
    }

    @Override
    public String describe() {
        return "provisional cycles of " + gateway.network().url();
    }
}
