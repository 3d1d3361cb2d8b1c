package org.replicator.coordinator.replica;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.replicator.coordinator.agent.CanisterInfo;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.NotAControllerException;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.placement.Placement;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.SubnetRepository;

/**
 * Creates a backup canister for a protected canister: checks everything that can be checked
 * before spending cycles (the source is protected, the coordinator controls it, it speaks the
 * protocol, a subnet other than its own is available, the wasm is at hand), then creates, installs
 * and registers the replica, recording each step as it is done so that a failure leaves a row that
 * says how far it got rather than an unknown canister.
 */
public final class ReplicaProvisioner {
    private final Database db;
    private final IcGateway gateway;
    private final CyclesFunding funding;
    private final AppReplicationClient app;
    private final ReplicaRepository replicas = new ReplicaRepository();

    public ReplicaProvisioner(Database db, IcGateway gateway, CyclesFunding funding, AppReplicationClient app) {
        this.db = db;
        this.gateway = gateway;
        this.funding = funding;
        this.app = app;
    }

    /** What to create; {@code owner} is the user whose backup canister it is, among its controllers. */
    public record Request(String canister, Optional<PrincipalId> subnet, boolean forceSameSubnet, Integer parallelism,
            BigInteger cycles, BigInteger cyclesPerRun, Optional<PrincipalId> owner) {
        public Request(String canister, Optional<PrincipalId> subnet, boolean forceSameSubnet, Integer parallelism,
                BigInteger cycles, BigInteger cyclesPerRun) {
            this(canister, subnet, forceSameSubnet, parallelism, cycles, cyclesPerRun, Optional.empty());
        }
    }

    public Replica create(Request request, String actor, Consumer<String> step) {
        ProtectedCanister source = db.inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, request.canister()))
                .orElseThrow(() -> new ReplicaRefused("no protected canister is called " + request.canister()
                        + "; add it first with `replicator canister add`"));
        // after a failover the service, its subnet and the data to pull are the promoted canister's
        PrincipalId live = source.liveCanister();
        step.accept("checking that " + gateway.caller() + " controls " + live);
        CanisterInfo info = gateway.canisterInfo(live);
        if (!info.controllers().contains(gateway.caller())) {
            throw new NotAControllerException(live, gateway.caller(), "the coordinator puts each replica on the"
                    + " source's allow-list with replication_allow, which only controllers may call", null);
        }
        step.accept("reading the network's subnets");
        List<SubnetInfo> subnets = gateway.subnets(live);
        List<PrincipalId> used = db.inTransaction(tx -> replicas.listLive(tx, source.id())).stream().map(Replica::subnet).toList();
        Placement.Choice choice = new Placement().choose(info.subnet(), subnets, used, request.subnet(),
                request.forceSameSubnet());
        step.accept("checking that " + live + " speaks the replication protocol");
        app.status(live);
        BackupCanisterModule module = BackupCanisterModule.load();
        db.inTransaction(tx -> {
            SubnetRepository repo = new SubnetRepository();
            for (SubnetInfo s : subnets) {
                repo.recordTopology(tx, s);
            }
            return null;
        });

        step.accept("creating a canister on subnet " + choice.subnet().id() + " with " + request.cycles() + " cycles ("
                + funding.describe() + ")");
        List<PrincipalId> controllers = new java.util.ArrayList<>(List.of(gateway.caller()));
        request.owner().ifPresent(controllers::add);
        PrincipalId created = funding.createCanister(choice.subnet(), request.cycles(), controllers);
        db.inTransaction(tx -> {
            replicas.insert(tx, created, source.id(), choice.subnet().id(), Replica.Status.CREATING, module.sha256(),
                    request.owner().orElse(null), choice.sameSubnetForced());
            new CycleLedger().record(tx, new CycleEntry.New(null, source.id(), created, null, CycleEntry.Kind.CREATION,
                    request.cycles(), "initial balance from " + funding.describe()));
            new AuditLog().record(tx, actor, "replica.create", source.id().text(), Map.of("replica", created.text(),
                    "subnet", choice.subnet().id().text(), "same_subnet_forced", choice.sameSubnetForced(),
                    "owner", request.owner().map(PrincipalId::text).orElse("")));
            return null;
        });

        step.accept("installing the backup canister (wasm " + module.sha256() + ") into " + created);
        byte[] init = BackupCanisterClient.initArg(live, List.of(gateway.caller()), request.parallelism(),
                request.cyclesPerRun());
        gateway.installCode(created, module.wasm(), init);
        db.inTransaction(tx -> {
            replicas.transition(tx, created, Replica.Status.CREATING, Replica.Status.INSTALLED);
            return null;
        });

        step.accept("adding " + created + " to the allow-list of " + live);
        app.allow(live, created);
        return db.inTransaction(tx -> {
            replicas.transition(tx, created, Replica.Status.INSTALLED, Replica.Status.ACTIVE);
            return replicas.find(tx, created).orElseThrow();
        });
    }

    /** Marks a replica dropped and takes it off its source's allow-list; the canister itself is kept. */
    public Replica drop(PrincipalId replica, String actor) {
        Replica r = db.inTransaction(tx -> replicas.find(tx, replica))
                .filter(x -> x.status() != Replica.Status.DROPPED)
                .orElseThrow(() -> new ReplicaRefused("no replica " + replica + "; see `replicator replica list`"));
        app.disallow(r.source(), replica);
        return db.inTransaction(tx -> {
            replicas.transition(tx, replica, r.status(), Replica.Status.DROPPED);
            new AuditLog().record(tx, actor, "replica.drop", r.source().text(), Map.of("replica", replica.text()));
            return replicas.find(tx, replica).orElseThrow();
        });
    }
}
