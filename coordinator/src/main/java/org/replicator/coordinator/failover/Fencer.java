package org.replicator.coordinator.failover;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.ImageInfo;
import org.replicator.coordinator.restore.RestoreProgress;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.ProtectedCanister;

/**
 * Fences the old primary once its subnet answers again, so that the service never has two
 * primaries: its writes are fenced first (the replication library refuses them, reads go on), the
 * writes it took after its last sealed generation are counted (the loss the schedule allowed, kept
 * in its memory, not carried over), and then it is stopped. Nothing can be done while its subnet is
 * down; until then {@code replicator primary} tells clients where the service lives.
 */
public final class Fencer {
    private final FailoverContext ctx;
    private final PromotionRepository promotions = new PromotionRepository();

    public Fencer(FailoverContext ctx) {
        this.ctx = ctx;
    }

    /** Fences the canister's old primary, waiting up to {@code wait} for its subnet to answer. */
    public Promotion fence(String canister, Duration wait, String actor, RestoreProgress progress) {
        ProtectedCanister c = ctx.db().inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, canister))
                .orElseThrow(() -> new FailoverRefused("no protected canister is called " + canister
                        + "; see `replicator canister list`"));
        Promotion p = ctx.db().inTransaction(tx -> promotions.open(tx, c.id())).orElseThrow(() -> new FailoverRefused(
                "canister " + c.id() + " has not failed over; there is no old primary to fence"));
        if (p.state() != Promotion.State.LIVE) {
            if (p.state() == Promotion.State.PLANNED) {
                throw new FailoverRefused("promotion " + p.id() + " is not live yet; `replicator promote` resumes it");
            }
            progress.step("the old primary " + p.oldLive() + " was fenced at " + p.fencedAt().orElseThrow());
            return p;
        }
        Instant deadline = Instant.now().plus(wait);
        boolean said = false;
        while (!ctx.apps().answers(p.oldLive())) {
            if (!Instant.now().isBefore(deadline)) {
                String note = "subnet " + p.oldSubnet() + " did not answer by " + Instant.now();
                ctx.db().inTransaction(tx -> {
                    promotions.fenceAttempted(tx, p.id(), note);
                    return null;
                });
                throw new FailoverRefused("the old primary " + p.oldLive() + " cannot be fenced yet: its subnet "
                        + p.oldSubnet() + " does not answer; run `replicator fence " + canister + "` again (or with"
                        + " --wait) once it does. Clients find the service at " + p.newLive().orElseThrow());
            }
            if (!said) {
                progress.step("waiting up to " + wait + " for subnet " + p.oldSubnet() + " to answer");
                said = true;
            }
            ctx.pause();
        }
        return fenceNow(p, actor, progress);
    }

    /** One attempt, right after a promotion went live: fences if the old primary answers, else leaves it for later. */
    Promotion tryOnce(Promotion p, String actor, RestoreProgress progress) {
        if (!ctx.apps().answers(p.oldLive())) {
            String note = "subnet " + p.oldSubnet() + " did not answer at promotion; fenced when it does";
            progress.step("the old primary " + p.oldLive() + " does not answer: " + note
                    + " (`replicator fence` waits for it)");
            ctx.db().inTransaction(tx -> {
                promotions.fenceAttempted(tx, p.id(), note);
                return null;
            });
            return p;
        }
        return fenceNow(p, actor, progress);
    }

    private Promotion fenceNow(Promotion p, String actor, RestoreProgress progress) {
        PrincipalId old = p.oldLive();
        String reason = "replaced by " + p.newLive().orElseThrow() + " on subnet " + p.newSubnet() + " (promotion "
                + p.id() + ")";
        String note;
        boolean stopped = ctx.gateway().canisterStatus(old).state()
                != org.replicator.coordinator.agent.CanisterStatus.RunState.RUNNING;
        Integer lost = null;
        if (stopped) {
            note = "it was already stopped";
        } else {
            progress.step("fencing the writes of " + old);
            boolean writesFenced;
            try {
                ctx.apps().fence(old, true, Optional.of(reason));
                writesFenced = true;
            } catch (IcRejectedException e) {
                writesFenced = false;
            }
            lost = writesAfterLastGeneration(p).orElse(null);
            progress.step("stopping " + old);
            ctx.gateway().stopCanister(old);
            note = (writesFenced ? "writes fenced, then stopped" : "stopped (its module has no replication_fence)")
                    + (lost == null ? "; its writes after the last generation are unknown"
                            : "; " + lost + " chunk(s) it wrote after its last sealed generation were not carried over"
                                    + " (they stay in its memory)");
        }
        Integer carried = lost;
        Promotion fenced = ctx.db().inTransaction(tx -> {
            new AuditLog().record(tx, actor, "promote.fenced", p.canister().text(), Map.of("promotion", p.id(),
                    "old_primary", old.text(), "note", note));
            return promotions.fenced(tx, p.id(), carried, note);
        });
        progress.step("the old primary " + old + " is fenced: " + note);
        return fenced;
    }

    /**
     * Chunks the old primary changed after the newest generation read from it. An epoch is opened
     * only to ask, and ended; empty if the app no longer keeps that epoch's hashes.
     */
    private Optional<Integer> writesAfterLastGeneration(Promotion p) {
        PrincipalId old = p.oldLive();
        List<Generation> sealed = ctx.db().inTransaction(tx -> new GenerationRepository().sealedOf(tx, p.canister()));
        Optional<BigInteger> since = sealed.stream().filter(g -> g.source().equals(old)).map(Generation::epoch)
                .max(BigInteger::compareTo);
        if (since.isEmpty()) {
            return Optional.empty();
        }
        try {
            ImageInfo image = ctx.apps().beginRooted(old);
            try {
                return ctx.apps().allChanges(old, image.epoch(), since.get()).map(List::size);
            } finally {
                ctx.apps().end(old, image.epoch());
            }
        } catch (IcException e) {
            return Optional.empty();
        }
    }
}
