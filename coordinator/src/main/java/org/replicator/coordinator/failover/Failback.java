package org.replicator.coordinator.failover;

import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.agent.CanisterStatus;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.restore.RestoreDriver;
import org.replicator.coordinator.restore.RestorePlan;
import org.replicator.coordinator.restore.RestorePlanner;
import org.replicator.coordinator.restore.RestoreProgress;
import org.replicator.coordinator.restore.RestoreRequest;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.RestoreRecord;
import org.replicator.coordinator.store.Run;

/**
 * Brings a failed-over service home with every write the promoted canister took. The promoted
 * canister is replicated while it still serves; then its writes are fenced and it is replicated
 * once more, so that the last generation holds every write it accepted; that generation is restored
 * into the (fenced) original, whose image root is checked; only then is the original unfenced and
 * recorded as the primary again, and the promoted canister stopped. Each step can be repeated, so a
 * stopped coordinator's fail-back is resumed by running it again.
 */
public final class Failback {
    private final FailoverContext ctx;
    private final ReplicationEngine engine;
    private final PromotionRepository promotions = new PromotionRepository();

    public Failback(FailoverContext ctx, ReplicationEngine engine) {
        this.ctx = ctx;
        this.engine = engine;
    }

    public Promotion failback(String canister, String actor, RestoreProgress progress) {
        ProtectedCanister c = ctx.db().inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, canister))
                .orElseThrow(() -> new FailoverRefused("no protected canister is called " + canister
                        + "; see `replicator canister list`"));
        Promotion p = ctx.db().inTransaction(tx -> promotions.open(tx, c.id())).orElseThrow(() -> new FailoverRefused(
                "canister " + c.id() + " has not failed over; it is served by itself"));
        switch (p.state()) {
            case PLANNED -> throw new FailoverRefused("promotion " + p.id() + " is not live yet; `replicator promote`"
                    + " resumes it");
            case LIVE -> throw new FailoverRefused("the old primary " + p.oldLive() + " is not fenced yet (its subnet "
                    + p.oldSubnet() + " has not answered); run `replicator fence " + canister + "` first");
            case FENCED -> {
                long id = p.id();
                p = ctx.db().inTransaction(tx -> {
                    new AuditLog().record(tx, actor, "failback.start", c.id().text(), Map.of("promotion", id,
                            "from", c.liveCanister().text(), "to", c.id().text()));
                    return promotions.failingBack(tx, id);
                });
            }
            default -> {
            }
        }
        PrincipalId interim = p.newLive().orElseThrow();
        PrincipalId original = p.oldLive();
        RestoreDriver driver = ctx.restoreDriver();
        if (p.failbackRestore().isEmpty()) {
            progress.step("replicating " + interim + " while it still serves");
            replicate(c, actor);
            progress.step("fencing the writes of " + interim + "; it keeps serving reads");
            ctx.apps().fence(interim, true, Optional.of("failing back to " + original + " (promotion " + p.id() + ")"));
            progress.step("replicating " + interim + " once more: the last generation holds every write it took");
            replicate(c, actor);
            if (ctx.gateway().canisterStatus(original).state() != CanisterStatus.RunState.RUNNING) {
                progress.step("starting " + original + " (its writes stay fenced until it serves again)");
                ctx.gateway().startCanister(original);
            }
            ctx.apps().fence(original, true, Optional.of("being restored for a fail-back (promotion " + p.id() + ")"));
            RestorePlan plan = new RestorePlanner(ctx.db(), ctx.gateway(), ctx.apps(), ctx.backups(), FeeTable.load())
                    .plan(new RestoreRequest(c.id().text(), Optional.empty(), Optional.empty(),
                            RestoreRecord.Target.ORIGINAL, Optional.empty(), Optional.empty(), java.math.BigInteger.ZERO,
                            false, false, true));
            RestoreRecord r = driver.record(plan, actor);
            long id = p.id();
            p = ctx.db().inTransaction(tx -> promotions.failbackRestoreStarted(tx, id, r.id()));
        }
        RestoreRecord done = driver.drive(p.failbackRestore().orElseThrow(), Optional.empty(), java.math.BigInteger.ZERO,
                actor, progress);
        long id = p.id();
        if (done.state() != RestoreRecord.State.DONE || !done.verified().orElse(false)) {
            ctx.db().inTransaction(tx -> promotions.failbackRestoreFailed(tx, id));
            ctx.apps().fence(interim, false, Optional.empty());
            throw new FailoverRefused("the fail-back restore " + done.id() + " did not finish: " + done.error()
                    .orElse(done.state().name().toLowerCase()) + "; " + interim + " serves again (unfenced) and"
                    + " `replicator failback " + canister + "` tries again");
        }
        progress.step("the original " + original + " holds generation " + done.generation() + " (root " + done.root()
                + "); it serves again");
        ctx.apps().fence(original, false, Optional.empty());
        if (ctx.gateway().canisterStatus(interim).state() == CanisterStatus.RunState.RUNNING) {
            progress.step("stopping " + interim);
            ctx.gateway().stopCanister(interim);
        }
        Promotion home = ctx.db().inTransaction(tx -> {
            new CanisterRepository().setLiveCanister(tx, c.id(), original, c.subnet());
            new AuditLog().record(tx, actor, "failback.done", c.id().text(), Map.of("promotion", id,
                    "restore", done.id(), "generation", done.generation(), "stopped", interim.text()));
            return promotions.failedBack(tx, id);
        });
        for (String note : new Repointer(ctx).repoint(c.id(), original, c.subnet())) {
            progress.step(note);
        }
        return home;
    }

    /** Finishes the canister's unfinished run, if any, then replicates once; refused unless it seals. */
    private void replicate(ProtectedCanister c, String actor) {
        Optional<Run> unfinished = engine.unfinishedOf(c.id().text());
        if (unfinished.isPresent()) {
            sealed(engine.drive(unfinished.get().id(), true));
        }
        sealed(engine.drive(engine.plan(c.id().text(), Run.Kind.INCREMENTAL, null, actor).id(), true));
    }

    private static void sealed(Run run) {
        if (run.state() != Run.State.SEALED) {
            throw new FailoverRefused("replication run " + run.id() + " ended " + run.state().name().toLowerCase()
                    + run.error().map(e -> ": " + e).orElse("") + "; the service stays where it is, and"
                    + " `replicator failback` tries again");
        }
    }
}
