package org.replicator.coordinator.restore;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.agent.CanisterInfo;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.SubnetInfo;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.protocol.BackupRestore;
import org.replicator.coordinator.protocol.ImageInfo;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.CycleEntry;
import org.replicator.coordinator.store.CycleLedger;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.RestoreRecord;
import org.replicator.coordinator.store.RestoreRecord.State;
import org.replicator.coordinator.store.RestoreRepository;

/**
 * Carries a restore out, one recorded state at a time, so that a coordinator stopped at any point
 * resumes it with the next {@code replicator restore}: each step first asks the IC what already
 * happened (is the target created, is its module installed, is the backup canister already pushing,
 * did the target commit) before doing it. The data travels from the backup canister to the target
 * by inter-canister calls; the coordinator only starts the push and follows it.
 */
public final class RestoreDriver {
    public static final byte[] NO_INIT_ARGUMENT = {'D', 'I', 'D', 'L', 0, 0};

    private final Database db;
    private final IcGateway gateway;
    private final AppReplicationClient apps;
    private final BackupCanisterClient backups;
    private final CyclesFunding funding;
    private final Duration pollInterval;
    private final RestoreRepository restores = new RestoreRepository();

    public RestoreDriver(Database db, IcGateway gateway, AppReplicationClient apps, BackupCanisterClient backups,
            CyclesFunding funding, Duration pollInterval) {
        this.db = db;
        this.gateway = gateway;
        this.apps = apps;
        this.backups = backups;
        this.funding = funding;
        this.pollInterval = pollInterval;
    }

    /** Records the planned restore; refused if the canister has an unfinished one. */
    public RestoreRecord record(RestorePlan plan, String actor) {
        try {
            return db.inTransaction(tx -> {
                RestoreRecord r = restores.plan(tx, new RestoreRepository.New(plan.canister().id(), plan.generation().id(),
                        plan.replica().id(), plan.target(), plan.targetCanister().orElse(null), plan.targetSubnet(),
                        plan.generation().root(), plan.generation().size(), plan.generation().chunkCount(),
                        plan.forced(),
                        plan.writesOverwritten().orElse(null), actor));
                new AuditLog().record(tx, actor, "restore.plan", plan.canister().id().text(), Map.of("restore", r.id(),
                        "generation", plan.generation().id(), "from", plan.replica().id().text(),
                        "into", plan.target().name().toLowerCase(),
                        "target", plan.targetCanister().map(PrincipalId::text).orElse("new on " + plan.targetSubnet())));
                return r;
            });
        } catch (ConstraintViolation e) {
            if ("restores_one_open_per_canister".equals(e.constraint())) {
                throw new RestoreRefused("canister " + plan.canister().id() + " already has an unfinished restore;"
                        + " `replicator restore " + plan.canister().id() + "` resumes it");
            }
            throw e;
        }
    }

    /**
     * Drives a restore to its end. {@code module} is needed only while a new target still lacks its
     * code (a resumed restore into a new canister that stopped before installing asks for it again).
     */
    public RestoreRecord drive(long restoreId, Optional<AppModule> module, BigInteger cycles, String actor,
            RestoreProgress progress) {
        return drive(restoreId, module, NO_INIT_ARGUMENT, cycles, actor, progress);
    }

    /** As above, installing a new target with {@code initArg} (Candid), e.g. the original's chunk size. */
    public RestoreRecord drive(long restoreId, Optional<AppModule> module, byte[] initArg, BigInteger cycles,
            String actor, RestoreProgress progress) {
        RestoreRecord r = db.inTransaction(tx -> restores.find(tx, restoreId)).orElseThrow();
        BackupGeneration held = r.state().finished() ? null : heldGeneration(r);
        while (!r.state().finished()) {
            progress.state(r);
            r = switch (r.state()) {
                case PLANNED -> db.inTransaction(tx -> restores.transition(tx, restoreId, State.PLANNED,
                        plannedTarget(tx, restoreId)));
                case CREATING -> create(r, held, module, initArg, cycles, progress);
                case WRITING -> write(r, held, actor, progress);
                case VERIFYING -> verify(r, actor, progress);
                default -> r;
            };
        }
        progress.state(r);
        return r;
    }

    private State plannedTarget(java.sql.Connection tx, long restoreId) throws java.sql.SQLException {
        return restores.find(tx, restoreId).orElseThrow().target() == RestoreRecord.Target.NEW ? State.CREATING
                : State.WRITING;
    }

    private RestoreRecord create(RestoreRecord r, BackupGeneration held, Optional<AppModule> module, byte[] initArg,
            BigInteger cycles,
            RestoreProgress progress) {
        RestoreRecord current = r;
        if (current.targetCanister().isEmpty()) {
            PrincipalId subnetId = current.targetSubnet().orElseThrow();
            SubnetInfo subnet = gateway.subnets(current.replica()).stream().filter(s -> s.id().equals(subnetId))
                    .findFirst().orElseThrow(() -> new RestoreRefused("the network has no subnet " + subnetId));
            progress.step("creating a canister on subnet " + subnetId + " with " + cycles + " cycles ("
                    + funding.describe() + ")");
            PrincipalId created = funding.createCanister(subnet, cycles, List.of(gateway.caller()));
            current = db.inTransaction(tx -> {
                new CycleLedger().record(tx, new CycleEntry.New(null, r.canister(), null, null, CycleEntry.Kind.CREATION,
                        cycles, "restore " + r.id() + ": new canister " + created + " from " + funding.describe()));
                return restores.targetCreated(tx, r.id(), created);
            });
        }
        PrincipalId target = current.targetCanister().orElseThrow();
        CanisterInfo info = gateway.canisterInfo(target);
        if (info.moduleHash().isEmpty()) {
            AppModule m = module.orElseThrow(() -> new RestoreRefused("restore " + r.id() + " created " + target
                    + " but had not installed its module; resume it with --wasm FILE"));
            progress.step("installing module " + m.sha256() + " into " + target);
            gateway.installCode(target, m.wasm(), initArg);
        }
        // the image root depends on the chunk size, so a target cutting its image differently could
        // neither be checked after the restore nor take incremental replicas of the same image
        int targetChunk = apps.status(target).chunkSize();
        int imageChunk = held.chunkSize();
        if (targetChunk != imageChunk) {
            return db.inTransaction(tx -> restores.finish(tx, r.id(), State.FAILED, null, "the new canister " + target
                    + " cuts its image into " + targetChunk + "-byte chunks, the generation into " + imageChunk
                    + "; nothing was restored into it. Reinstall it with the original's init argument (--init-arg),"
                    + " or delete it"));
        }
        progress.step("adding " + r.replica() + " to the allow-list of " + target);
        apps.allow(target, r.replica());
        return db.inTransaction(tx -> restores.transition(tx, r.id(), State.CREATING, State.WRITING));
    }

    private RestoreRecord write(RestoreRecord r, BackupGeneration held, String actor, RestoreProgress progress) {
        PrincipalId target = r.targetCanister().orElseThrow();
        long generation = held.id();
        Optional<BackupRestore> job = backups.status(r.replica()).restore().filter(j -> j.isFor(target, generation));
        if (r.pushRequestedAt().isEmpty()) {
            if (job.isEmpty() || !job.get().active()) {
                progress.step("asking backup canister " + r.replica() + " to push generation " + r.generation() + " ("
                        + r.chunkCount() + " chunks, " + r.size() + " bytes) into " + target);
                BigInteger before = gateway.canisterStatus(r.replica()).cycles();
                try {
                    backups.restoreTo(r.replica(), target, generation);
                } catch (IcRejectedException e) {
                    if (e.rejectMessage().contains("RESTORE_IN_PROGRESS")) {
                        throw new RestoreRefused("backup canister " + r.replica() + " is busy with another restore ("
                                + e.rejectMessage() + "); wait for it, then run `replicator restore` again");
                    }
                    throw e;
                }
                return db.inTransaction(tx -> restores.pushRequested(tx, r.id(), before));
            }
            // a push this restore asked for before its coordinator stopped
            return db.inTransaction(tx -> restores.pushRequested(tx, r.id(), null));
        }
        if (job.isEmpty()) {
            // the backup canister forgot the job (reinstalled): ask again
            return db.inTransaction(tx -> restores.clearPushRequest(tx, r.id()));
        }
        BackupRestore j = job.get();
        progress.written(j.chunksWritten(), j.chunksTotal());
        if (j.committed()) {
            return db.inTransaction(tx -> restores.transition(tx, r.id(), State.WRITING, State.VERIFYING));
        }
        if (j.failed()) {
            return db.inTransaction(tx -> {
                new AuditLog().record(tx, actor, "restore.failed", r.canister().text(),
                        Map.of("restore", r.id(), "error", j.error().orElse("")));
                return restores.finish(tx, r.id(), State.FAILED, null, "the backup canister's push failed and left "
                        + target + " as it was: " + j.error().orElse("no reason given"));
            });
        }
        pause();
        return r;
    }

    private RestoreRecord verify(RestoreRecord r, String actor, RestoreProgress progress) {
        PrincipalId target = r.targetCanister().orElseThrow();
        progress.step("checking the image root of " + target);
        ImageInfo image = apps.beginRooted(target);
        apps.end(target, image.epoch());
        boolean same = image.root().get().equals(r.root());
        String error = same ? null : "the target committed the image, but its root is now " + image.root().get()
                + ", not " + r.root() + ": writes reached it after the commit";
        Optional<BigInteger> spent = r.replicaCyclesBefore()
                .map(before -> before.subtract(gateway.canisterStatus(r.replica()).cycles()).max(BigInteger.ZERO));
        return db.inTransaction(tx -> {
            if (spent.isPresent()) {
                new CycleLedger().record(tx, new CycleEntry.New(null, r.canister(), r.replica(), null,
                        CycleEntry.Kind.RESTORE, spent.get(), "restore " + r.id() + ": backup canister balance decrease"
                                + " while pushing " + r.chunkCount() + " chunks into " + target));
            }
            new AuditLog().record(tx, actor, "restore.done", r.canister().text(), Map.of("restore", r.id(),
                    "target", target.text(), "verified", same));
            return restores.finish(tx, r.id(), State.DONE, same, error);
        });
    }

    /**
     * The generation as the backup canister holds it, under its own numbering (the epoch names the
     * image on both sides); asked once per drive, not on every poll.
     */
    private BackupGeneration heldGeneration(RestoreRecord r) {
        org.replicator.coordinator.store.Generation g = db.inTransaction(tx -> new GenerationRepository().find(tx,
                r.generation())).orElseThrow();
        return backups.generations(r.replica()).stream().filter(b -> b.holds(g)).findFirst()
                .orElseThrow(() -> new RestoreRefused("backup canister " + r.replica() + " no longer holds epoch "
                        + g.epoch() + " of " + g.source()));
    }

    private void pause() {
        try {
            Thread.sleep(pollInterval.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
