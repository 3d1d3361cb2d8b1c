package org.replicator.coordinator.failover;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.restore.RestoreDriver;
import org.replicator.coordinator.restore.RestorePlan;
import org.replicator.coordinator.restore.RestorePlanner;
import org.replicator.coordinator.restore.RestoreProgress;
import org.replicator.coordinator.restore.RestoreRefused;
import org.replicator.coordinator.restore.RestoreRequest;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.RestoreRecord;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunRepository;

/**
 * Makes a replica's newest sealed generation live while the primary's subnet is down: a new canister
 * is created on the replica's subnet with the app's module, the backup canister pushes the
 * generation into it canister to canister (the restore machinery, so a stopped coordinator resumes
 * it), the image root is checked, and only then is the new canister recorded as the primary. The
 * other replicas are pointed at it, and the old primary is fenced as soon as its subnet answers.
 *
 * <p>A new canister rather than the backup canister itself: the backup canister keeps every
 * generation and stays a backup (its own history is the way back), its stable memory is laid out
 * for generations, not for the app, and the app's own module and upgrade path stay the app's.
 */
public final class Promoter {
    private final FailoverContext ctx;
    private final Fencer fencer;
    private final PromotionRepository promotions = new PromotionRepository();

    public Promoter(FailoverContext ctx) {
        this.ctx = ctx;
        this.fencer = new Fencer(ctx);
    }

    /** Promotes, or resumes the canister's promotion a stopped coordinator left planned. */
    public Promotion promote(PromoteRequest request, String actor, RestoreProgress progress) {
        ProtectedCanister c = canister(request.canister());
        Optional<Promotion> open = ctx.db().inTransaction(tx -> promotions.open(tx, c.id()));
        Promotion p;
        if (open.isPresent()) {
            p = open.get();
            if (p.state() != Promotion.State.PLANNED) {
                throw new FailoverRefused("canister " + c.id() + " already failed over to "
                        + p.newLive().map(PrincipalId::text).orElse("?") + " (promotion " + p.id() + ", "
                        + p.state().name().toLowerCase() + "); bring it home with `replicator failback " + request.canister()
                        + "` before promoting again");
            }
            if (!p.replica().equals(request.replica())) {
                throw new FailoverRefused("promotion " + p.id() + " of replica " + p.replica() + " is unfinished;"
                        + " `replicator promote " + request.canister() + " --replica " + p.replica() + "` resumes it");
            }
            progress.step("resuming promotion " + p.id() + " of replica " + p.replica());
        } else {
            p = plan(c, request, actor);
        }
        RestoreDriver driver = ctx.restoreDriver();
        if (p.restore().isEmpty()) {
            RestorePlan plan;
            try {
                plan = new RestorePlanner(ctx.db(), ctx.gateway(), ctx.apps(), ctx.backups(), FeeTable.load())
                        .plan(new RestoreRequest(c.id().text(), p.generation(), Optional.of(p.replica()),
                                RestoreRecord.Target.NEW, Optional.of(p.newSubnet()), request.module(), request.cycles(),
                                false, false));
            } catch (RestoreRefused e) {
                // nothing was created: the promotion ends here rather than staying open and blocking the next
                long refused = p.id();
                ctx.db().inTransaction(tx -> promotions.fail(tx, refused, e.getMessage()));
                throw new FailoverRefused("promotion " + refused + " cannot go ahead: " + e.getMessage());
            }
            RestoreRecord r = driver.record(plan, actor);
            long promotion = p.id();
            p = ctx.db().inTransaction(tx -> promotions.restoreStarted(tx, promotion, r.id()));
        }
        RestoreRecord done = driver.drive(p.restore().orElseThrow(), request.module(), request.initArg(),
                request.cycles(), actor, progress);
        long id = p.id();
        if (done.state() != RestoreRecord.State.DONE || !done.verified().orElse(false)) {
            String why = "the generation could not be made live: " + done.error().orElse(done.state().name().toLowerCase());
            Promotion failed = ctx.db().inTransaction(tx -> {
                new AuditLog().record(tx, actor, "promote.failed", c.id().text(), Map.of("promotion", id, "error", why));
                return promotions.fail(tx, id, why);
            });
            throw new FailoverRefused("promotion " + failed.id() + " failed; " + c.liveCanister() + " stays the"
                    + " recorded primary. " + why);
        }
        PrincipalId promoted = done.targetCanister().orElseThrow();
        // the restore checked the image root; the app must also answer its own protocol before it serves
        ctx.apps().status(promoted);
        Promotion planned = p;
        Promotion live = ctx.db().inTransaction(tx -> {
            new CanisterRepository().setLiveCanister(tx, c.id(), promoted, planned.newSubnet());
            new AuditLog().record(tx, actor, planned.automatic() ? "promote.live.automatic" : "promote.live",
                    c.id().text(), Map.of("promotion", id, "from", c.liveCanister().text(), "to", promoted.text(),
                            "generation", done.generation(), "root", done.root().hex(), "reason", planned.reason()));
            return promotions.live(tx, id, promoted);
        });
        progress.step(promoted + " on subnet " + live.newSubnet() + " now serves " + c.id() + " (generation "
                + done.generation() + ", root " + done.root() + ")");
        for (String note : new Repointer(ctx).repoint(c.id(), promoted, live.newSubnet())) {
            progress.step(note);
        }
        return fencer.tryOnce(live, actor, progress);
    }

    private Promotion plan(ProtectedCanister c, PromoteRequest request, String actor) {
        Replica replica = ctx.db().inTransaction(tx -> new ReplicaRepository().find(tx, request.replica()))
                .filter(r -> r.source().equals(c.id()))
                .orElseThrow(() -> new FailoverRefused(request.replica() + " is not a replica of " + c.id()
                        + "; see `replicator replica list " + request.canister() + "`"));
        if (replica.status() != Replica.Status.ACTIVE) {
            throw new FailoverRefused("replica " + replica.id() + " is " + replica.status().name().toLowerCase()
                    + "; promote an active one");
        }
        if (replica.subnet().equals(c.liveSubnet())) {
            throw new FailoverRefused("replica " + replica.id() + " is on subnet " + replica.subnet() + ", the subnet"
                    + " the service runs on now; promote a replica on another subnet");
        }
        Generation generation = ctx.db().inTransaction(tx -> new GenerationRepository().latestSealed(tx, replica.id()))
                .orElseThrow(() -> new FailoverRefused("replica " + replica.id() + " holds no sealed generation;"
                        + " promote a replica that does (see `replicator generations " + request.canister() + "`)"));
        boolean answers = ctx.apps().answers(c.liveCanister());
        if (answers && !request.planned()) {
            throw new FailoverRefused("the primary " + c.liveCanister() + " answers on subnet " + c.liveSubnet()
                    + "; promote is for when its subnet is down. For a planned move pass --planned: the old primary"
                    + " is then fenced as soon as the new one is live");
        }
        List<Run> unfinished = ctx.db().inTransaction(tx -> new RunRepository().listUnfinished(tx)).stream()
                .filter(r -> r.canister().equals(c.id())).toList();
        if (!unfinished.isEmpty() && answers) {
            throw new FailoverRefused("replication run " + unfinished.get(0).id() + " of " + c.id() + " is unfinished;"
                    + " let `replicator replicate " + request.canister() + "` finish it before a planned move");
        }
        try {
            return ctx.db().inTransaction(tx -> {
                Promotion p = promotions.plan(tx, new PromotionRepository.New(c.id(), replica.id(), generation.id(),
                        c.liveCanister(), c.liveSubnet(), replica.subnet(), request.automatic(), request.reason(), actor));
                for (Run r : unfinished) {
                    // its source is down: the run cannot seal, and the next runs read from the new primary
                    new RunRepository().fail(tx, r.id(), "abandoned: the primary's subnet did not answer and replica "
                            + replica.id() + " was promoted (promotion " + p.id() + ")");
                }
                new AuditLog().record(tx, actor, request.automatic() ? "promote.plan.automatic" : "promote.plan",
                        c.id().text(), Map.of("promotion", p.id(), "replica", replica.id().text(), "generation",
                                generation.id(), "old_primary", c.liveCanister().text(), "reason", request.reason(),
                                "abandoned_runs", unfinished.stream().map(Run::id).toList()));
                return p;
            });
        } catch (ConstraintViolation e) {
            if ("promotions_one_open_per_canister".equals(e.constraint())) {
                throw new FailoverRefused("canister " + c.id() + " is being promoted by another coordinator");
            }
            throw e;
        }
    }

    private ProtectedCanister canister(String ref) {
        return ctx.db().inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, ref))
                .orElseThrow(() -> new FailoverRefused("no protected canister is called " + ref
                        + "; see `replicator canister list`"));
    }
}
