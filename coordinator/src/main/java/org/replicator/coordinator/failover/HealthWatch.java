package org.replicator.coordinator.failover;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.restore.RestoreProgress;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.ProtectedCanister;

/**
 * Automatic promotion, off unless someone runs it: probes the live canister every {@code interval};
 * when it has not answered for {@code promoteAfter} without a break, promotes as {@code request}
 * says, marked automatic with the failed checks as its reason. Every change of health is written to
 * the audit log, so an automatic promotion can always be explained afterwards. Once promoted, it
 * keeps probing the old primary and fences it as soon as its subnet answers.
 */
public final class HealthWatch {
    private final FailoverContext ctx;
    private final Clock clock;

    public HealthWatch(FailoverContext ctx, Clock clock) {
        this.ctx = ctx;
        this.clock = clock;
    }

    /** What the watch saw, for the command's report. */
    public record Outcome(Optional<Promotion> promotion, int checks) {
    }

    /**
     * Watches until {@code until} (or, with {@code stopWhenFenced}, until a promotion it made is
     * fenced); returns the promotion it made, if any. Without a {@code request} it only records
     * health changes and never promotes.
     */
    public Outcome watch(String canister, PromoteRequest request, Duration interval, Duration promoteAfter,
            Instant until, boolean stopWhenFenced, String actor, RestoreProgress progress) {
        ProtectedCanister c = ctx.db().inTransaction(tx -> new CanisterRepository().findActiveByIdOrName(tx, canister))
                .orElseThrow(() -> new FailoverRefused("no protected canister is called " + canister
                        + "; see `replicator canister list`"));
        Optional<Promotion> open = ctx.db().inTransaction(tx -> new PromotionRepository().open(tx, c.id()));
        if (open.isPresent()) {
            throw new FailoverRefused(open.get().state() == Promotion.State.PLANNED
                    ? "promotion " + open.get().id() + " of " + c.id() + " is unfinished; `replicator promote " + canister
                            + " --replica " + open.get().replica() + "` resumes it"
                    : "canister " + c.id() + " is failed over already; the watch promotes only a canister served by"
                            + " itself (`replicator primary " + canister + "`)");
        }
        Instant downSince = null;
        int failed = 0;
        int checks = 0;
        Promotion promoted = null;
        while (clock.instant().isBefore(until)) {
            checks++;
            if (promoted == null) {
                boolean up = ctx.apps().answers(c.liveCanister());
                if (up && downSince != null) {
                    audit(actor, "health.up", c, Map.of("canister", c.liveCanister().text(), "failed_checks", failed,
                            "down_since", downSince.toString()));
                    progress.step(c.liveCanister() + " answers again after " + failed + " failed check(s)");
                    downSince = null;
                    failed = 0;
                } else if (!up) {
                    failed++;
                    if (downSince == null) {
                        downSince = clock.instant();
                        audit(actor, "health.down", c, Map.of("canister", c.liveCanister().text(),
                                "subnet", c.liveSubnet().text(), "promote_after",
                                request == null ? "never" : promoteAfter.toString()));
                        progress.step(c.liveCanister() + " does not answer" + (request == null ? ""
                                : "; promoting " + request.replica() + " if it still does not in " + promoteAfter));
                    }
                    if (request != null && !clock.instant().isBefore(downSince.plus(promoteAfter))) {
                        String reason = "health check: " + c.liveCanister() + " on subnet " + c.liveSubnet()
                                + " did not answer " + failed + " check(s) every " + interval + " since " + downSince;
                        promoted = new Promoter(ctx).promote(new PromoteRequest(request.canister(), request.replica(),
                                request.module(), request.initArg(), request.cycles(), false, true, reason), actor,
                                progress);
                    }
                }
            } else if (promoted.state() == Promotion.State.LIVE) {
                if (ctx.apps().answers(promoted.oldLive())) {
                    promoted = new Fencer(ctx).fence(canister, Duration.ZERO, actor, progress);
                }
            }
            if (stopWhenFenced && promoted != null && promoted.state() == Promotion.State.FENCED) {
                break;
            }
            ctx.pause(interval);
        }
        return new Outcome(Optional.ofNullable(promoted), checks);
    }

    private void audit(String actor, String action, ProtectedCanister c, Map<String, ?> detail) {
        ctx.db().inTransaction(tx -> new AuditLog().record(tx, actor, action, c.id().text(), detail));
    }
}
