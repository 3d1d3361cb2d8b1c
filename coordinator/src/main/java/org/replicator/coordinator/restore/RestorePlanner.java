package org.replicator.coordinator.restore;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.ImageInfo;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.RestoreRecord;
import org.replicator.coordinator.store.RunHistory;

/**
 * Works out a restore and checks everything that can be checked before anything is written: the
 * generation is sealed and still held with its root by the backup canister, the target can take it,
 * a new target's module is the one the source ran, and restoring into the original would not
 * silently discard writes made after the newest sealed generation.
 */
public final class RestorePlanner {
    private final Database db;
    private final IcGateway gateway;
    private final AppReplicationClient apps;
    private final BackupCanisterClient backups;
    private final FeeTable fees;
    private final GenerationRepository generations = new GenerationRepository();

    public RestorePlanner(Database db, IcGateway gateway, AppReplicationClient apps, BackupCanisterClient backups,
            FeeTable fees) {
        this.db = db;
        this.gateway = gateway;
        this.apps = apps;
        this.backups = backups;
        this.fees = fees;
    }

    public RestorePlan plan(RestoreRequest request) {
        List<String> notes = new ArrayList<>();
        ProtectedCanister canister = db.inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx,
                request.canister())).orElseThrow(() -> new RestoreRefused("no protected canister is called "
                        + request.canister() + "; see `replicator canister list`"));
        List<Generation> sealed = db.inTransaction(tx -> generations.sealedOf(tx, canister.id()));
        if (sealed.isEmpty()) {
            throw new RestoreRefused("canister " + canister.id() + " has no sealed generation to restore; run"
                    + " `replicator replicate " + request.canister() + "` first");
        }
        Generation newest = sealed.get(0);
        Generation chosen = request.generation().map(id -> chosenGeneration(canister, id)).orElse(newest);
        Replica replica = sourceReplica(canister, chosen, request.from());
        Generation generation = replica.id().equals(chosen.replica()) ? chosen
                : sealed.stream().filter(g -> g.replica().equals(replica.id()) && g.epoch().equals(chosen.epoch())
                        && g.source().equals(chosen.source()))
                        .findFirst().orElseThrow(() -> new RestoreRefused("replica " + replica.id() + " holds no sealed"
                                + " generation of epoch " + chosen.epoch() + " (generation " + chosen.id() + "'s image);"
                                + " see `replicator generations " + request.canister() + "`"));
        if (generation.epoch().compareTo(newest.epoch()) < 0) {
            notes.add("a newer sealed generation exists: " + newest.id() + " (epoch " + newest.epoch() + ")");
        }
        BackupGeneration held = backups.generations(replica.id()).stream()
                .filter(g -> g.holds(generation)).findFirst()
                .orElseThrow(() -> new RestoreRefused("backup canister " + replica.id() + " no longer holds generation "
                        + generation.id() + " (epoch " + generation.epoch() + "); choose another with --generation or"
                        + " --from"));
        if (!held.root().equals(generation.root())) {
            throw new RestoreRefused("backup canister " + replica.id() + " holds epoch " + generation.epoch()
                    + " under root " + held.root() + ", but generation " + generation.id() + " was sealed with root "
                    + generation.root() + "; run `replicator verify " + request.canister() + "` and restore from"
                    + " another replica with --from");
        }

        Optional<PrincipalId> targetCanister;
        PrincipalId targetSubnet;
        Optional<Integer> overwritten = Optional.empty();
        if (request.into() == RestoreRecord.Target.ORIGINAL) {
            db.inTransaction(tx -> new org.replicator.coordinator.store.RunRepository().listUnfinished(tx)).stream()
                    .filter(r -> r.canister().equals(canister.id())).findFirst().ifPresent(r -> {
                        throw new RestoreRefused("replication run " + r.id() + " of " + canister.id() + " is unfinished ("
                                + r.state().name().toLowerCase() + "); let `replicator replicate " + request.canister()
                                + "` finish it before restoring into the original");
                    });
            if (canister.failedOver() && !request.failback()) {
                throw new RestoreRefused("canister " + canister.id() + " is served by " + canister.liveCanister()
                        + " since a failover and the original is fenced; `replicator failback " + request.canister()
                        + "` brings the service home with the writes made meanwhile");
            }
            targetCanister = Optional.of(canister.id());
            targetSubnet = canister.subnet();
            if (request.failback()) {
                // the original is fenced: it took no writes since; what it had written after its last
                // generation was counted when it was fenced
                notes.add("fail-back: the original takes the image " + canister.liveCanister() + " served");
            } else {
                overwritten = writesSince(canister, newest, request.force() || request.dryRun(), notes);
            }
        } else {
            AppModule module = request.module().orElseThrow(() -> new RestoreRefused("--into new needs --wasm FILE, the"
                    + " module to install in the new canister" + generation.sourceModuleHash()
                            .map(h -> " (the source ran the module with SHA-256 " + h + ")").orElse("")));
            List<String> missing = module.missingRestoreEndpoints();
            if (!missing.isEmpty()) {
                throw new RestoreRefused("the module given with --wasm (SHA-256 " + module.sha256() + ") cannot take a"
                        + " restore: it does not export " + String.join(", ", missing) + "; an app must link the"
                        + " replication library (docs/protocol.md)");
            }
            if (generation.sourceModuleHash().isPresent() && !generation.sourceModuleHash().get().equals(module.sha256())) {
                if (!request.force()) {
                    throw new RestoreRefused("the module given with --wasm has SHA-256 " + module.sha256() + ", but the"
                            + " generation's source ran " + generation.sourceModuleHash().get() + "; give that module,"
                            + " or pass --force to load the image into different code");
                }
                notes.add("--force: the new canister runs module " + module.sha256() + ", not the generation's "
                        + generation.sourceModuleHash().get());
            } else if (generation.sourceModuleHash().isEmpty()) {
                notes.add("the generation has no recorded module hash; module " + module.sha256() + " is used unchecked");
            }
            targetCanister = Optional.empty();
            targetSubnet = request.subnet().orElse(canister.subnet());
            // asked through the replica's subnet: the original's may be the one that is down
            subnetInfo(replica.id(), targetSubnet);
        }
        BigInteger estimate = fees.pullEstimate(generation.chunkCount(), generation.size());
        OptionalDouble throughput = db.inTransaction(tx -> new RunHistory().fullRunThroughput(tx, canister.id()));
        Optional<Duration> time = throughput.isPresent()
                ? Optional.of(Duration.ofMillis((long) (1000.0 * generation.size() / throughput.getAsDouble())))
                : Optional.empty();
        return new RestorePlan(canister, generation, replica, held.id(), held.chunkSize(), request.into(), targetCanister,
                targetSubnet, request.module(), request.cycles(), estimate, time, overwritten, request.force(),
                List.copyOf(notes));
    }

    /** The subnet a new canister goes to, as the network certifies it. */
    SubnetInfo subnetInfo(PrincipalId anyCanister, PrincipalId subnet) {
        List<SubnetInfo> subnets = gateway.subnets(anyCanister);
        return subnets.stream().filter(s -> s.id().equals(subnet)).findFirst()
                .orElseThrow(() -> new RestoreRefused("the network has no subnet " + subnet + "; its subnets are "
                        + subnets.stream().map(s -> s.id().text()).toList()));
    }

    private Generation chosenGeneration(ProtectedCanister canister, long id) {
        Generation g = db.inTransaction(tx -> generations.find(tx, id)).orElseThrow(() -> new RestoreRefused(
                "no generation " + id + "; see `replicator generations " + canister.id() + "`"));
        Replica holder = db.inTransaction(tx -> new ReplicaRepository().find(tx, g.replica())).orElseThrow();
        if (!holder.source().equals(canister.id())) {
            throw new RestoreRefused("generation " + id + " is a backup of canister " + holder.source() + ", not of "
                    + canister.id());
        }
        if (!g.sealed()) {
            throw new RestoreRefused("generation " + id + " was never sealed (its run did not finish); only sealed"
                    + " generations are restored; see `replicator generations " + canister.id() + "`");
        }
        return g;
    }

    private Replica sourceReplica(ProtectedCanister canister, Generation chosen, Optional<PrincipalId> from) {
        PrincipalId id = from.orElse(chosen.replica());
        Replica r = db.inTransaction(tx -> new ReplicaRepository().find(tx, id))
                .filter(x -> x.source().equals(canister.id()))
                .orElseThrow(() -> new RestoreRefused(id + " is not a replica of canister " + canister.id()
                        + "; see `replicator replica list " + canister.id() + "`"));
        if (r.status() == Replica.Status.DROPPED) {
            throw new RestoreRefused("replica " + id + " was dropped; restore from another one with --from");
        }
        return r;
    }

    /**
     * How many chunks of the original were written after the newest sealed generation: an epoch is
     * opened (copy-on-write, hashes cached from earlier epochs) only to ask the app, and ended.
     */
    private Optional<Integer> writesSince(ProtectedCanister canister, Generation newest, boolean force, List<String> notes) {
        PrincipalId original = canister.id();
        ImageInfo image = apps.beginRooted(original);
        Optional<List<Long>> changed;
        try {
            changed = apps.allChanges(original, image.epoch(), newest.epoch());
        } finally {
            apps.end(original, image.epoch());
        }
        String since = "since generation " + newest.id() + " (epoch " + newest.epoch() + ", sealed "
                + newest.sealedAt().orElseThrow() + ")";
        if (changed.isEmpty()) {
            if (!force) {
                throw new RestoreRefused("cannot tell whether " + original + " was written " + since + ": the app no"
                        + " longer keeps that epoch's hashes (it keeps its last 8); replicate first, or pass --force to"
                        + " overwrite whatever was written");
            }
            notes.add("--force: writes " + since + " are unknown and would be overwritten");
            return Optional.empty();
        }
        int n = changed.get().size();
        if (n > 0 && !force) {
            throw new RestoreRefused(n + " chunk(s) of " + original + " (up to " + (long) n * image.chunkSize()
                    + " bytes) were written " + since + "; restoring would lose those writes. Replicate first to keep"
                    + " them in a generation, or pass --force to overwrite them");
        }
        if (n > 0) {
            notes.add("--force: " + n + " chunk(s) written " + since + " would be overwritten");
        }
        return Optional.of(n);
    }
}
