package org.replicator.coordinator.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.CanisterRange;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.funding.FundingUnavailable;
import org.replicator.coordinator.funding.MainnetFunding;
import org.replicator.coordinator.funding.ProvisionalFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.PostgresForTests;
import org.replicator.coordinator.store.SubnetRepository;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.registry.SubnetRecord;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;

/** Subnet discovery from certified state, recording it, placement, and provisional funding on a localnet. */
class SubnetsAndFundingTest {
    private static LocalNet net;
    private static IcClient deployer;
    private static Principal app;
    private static IcGateway gateway;
    private static LoadedIdentity coordinator;

    @BeforeAll
    static void start() throws Exception {
        net = LocalNet.start(LocalNetConfig.defaults());
        deployer = IcClient.forNet(net);
        app = deployer.deploy(1, TestCanisters.universal());
        coordinator = Identities.fromPemFile(IdentitiesTest.fixture("ed25519-dfx.pem"));
        gateway = IcGateway.connect(Network.parse(net.url().toString()), coordinator, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        deployer.close();
        net.close();
    }

    @Test
    void theCertifiedSubnetTreeNamesEverySubnetWithItsTypeAndRanges() {
        List<SubnetInfo> subnets = gateway.subnets(id(app));
        assertEquals(net.registry().size(), subnets.size());
        for (SubnetRecord record : net.registry()) {
            SubnetInfo found = subnets.stream().filter(s -> s.id().equals(id(record.id()))).findFirst().orElseThrow();
            assertEquals(record.type(), found.type());
            assertEquals(record.canisterRanges().stream()
                    .map(r -> new CanisterRange(id(r.start()), id(r.end()))).toList(), found.ranges());
        }
        SubnetInfo appSubnet = subnets.stream().filter(s -> s.hosts(id(app))).findFirst().orElseThrow();
        assertEquals(id(net.subnet(1).id()), appSubnet.id());
    }

    @Test
    void theTopologyIsRecordedAndReadBackAndARecordingReplacesTheRanges() {
        try (PostgresForTests postgres = PostgresForTests.start(); Database db = postgres.freshMigratedDatabase()) {
            SubnetRepository repo = new SubnetRepository();
            List<SubnetInfo> subnets = gateway.subnets(id(app));
            db.inTransaction(tx -> {
                for (SubnetInfo s : subnets) {
                    repo.recordTopology(tx, s);
                }
                repo.recordTopology(tx, subnets.get(0));
                return null;
            });
            List<SubnetInfo> read = db.inTransaction(repo::topology);
            assertEquals(subnets.stream().sorted(java.util.Comparator.comparing(SubnetInfo::id)).toList(), read);
        }
    }

    @Test
    void placementNeverChoosesTheSourcesSubnetAndSpreadsReplicasOverTheOthers() {
        List<SubnetInfo> subnets = gateway.subnets(id(app));
        PrincipalId source = id(net.subnet(1).id());
        Placement placement = new Placement();
        Placement.Choice first = placement.choose(source, subnets, List.of(), Optional.empty(), false);
        assertTrue(!first.subnet().id().equals(source) && !first.sameSubnetForced());
        Placement.Choice second = placement.choose(source, subnets, List.of(first.subnet().id()), Optional.empty(), false);
        assertTrue(!second.subnet().id().equals(source) && !second.subnet().id().equals(first.subnet().id()));
    }

    @Test
    void aReplicaOnTheSourcesSubnetIsRefusedUnlessForced() {
        List<SubnetInfo> subnets = gateway.subnets(id(app));
        PrincipalId source = id(net.subnet(1).id());
        PlacementRefused refused = assertThrows(PlacementRefused.class,
                () -> new Placement().choose(source, subnets, List.of(), Optional.of(source), false));
        assertTrue(refused.getMessage().contains("--force-same-subnet"), refused.getMessage());
        Placement.Choice forced = new Placement().choose(source, subnets, List.of(), Optional.of(source), true);
        assertTrue(forced.sameSubnetForced());
        List<SubnetInfo> onlyOwn = subnets.stream().filter(s -> s.id().equals(source)).toList();
        assertThrows(PlacementRefused.class, () -> new Placement().choose(source, onlyOwn, List.of(), Optional.empty(), false));
    }

    @Test
    void provisionalFundingCreatesTheCanisterOnTheChosenSubnetAndTopsItUp() {
        SubnetInfo subnet2 = gateway.subnets(id(app)).stream().filter(s -> s.id().equals(id(net.subnet(2).id())))
                .findFirst().orElseThrow();
        ProvisionalFunding funding = new ProvisionalFunding(gateway);
        PrincipalId created = funding.createCanister(subnet2, BigInteger.valueOf(3_000_000_000_000L),
                List.of(coordinator.principal()));
        assertEquals(subnet2.id(), gateway.canisterInfo(created).subnet());
        assertEquals(List.of(coordinator.principal()), gateway.canisterInfo(created).controllers());
        BigInteger before = gateway.canisterStatus(created).cycles();
        funding.topUp(created, BigInteger.valueOf(1_000_000_000_000L));
        BigInteger after = gateway.canisterStatus(created).cycles();
        // canister_status itself is charged for, so the increase is a little under the top-up
        BigInteger gained = after.subtract(before);
        assertTrue(gained.compareTo(BigInteger.valueOf(999_000_000_000L)) > 0, "gained " + gained);
    }

    @Test
    void mainnetFundingRefusesWithAMessageThatSaysWhatToDo() {
        FundingUnavailable e = assertThrows(FundingUnavailable.class,
                () -> new MainnetFunding().topUp(id(app), BigInteger.ONE));
        assertTrue(e.getMessage().contains("not implemented yet"), e.getMessage());
    }

    private static PrincipalId id(Principal p) {
        return PrincipalId.parse(p.toString());
    }
}
