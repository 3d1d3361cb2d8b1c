package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "primary", mixinStandardHelpOptions = true,
        description = {"Tells where CANISTER's service lives now: the canister itself, or the canister a replica was"
                + " promoted into, with the state of the failover (is the old primary fenced yet). Clients and"
                + " scripts use it (with --json) to find the service after a failover. Reads the database only."})
final class PrimaryCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            ProtectedCanister c = session.database().inTransaction(tx -> new CanisterRepository()
                    .findActiveByIdOrName(tx, canister)).orElseThrow(() -> new CommandFailure(ExitCodes.FAILURE,
                            "no protected canister is called " + canister + "; see `replicator canister list`"));
            Optional<Promotion> latest = session.database().inTransaction(tx -> new PromotionRepository()
                    .list(tx, c.id())).stream().findFirst();
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("canister", c.id().text());
                m.put("primary", c.liveCanister().text());
                m.put("subnet", c.liveSubnet().text());
                m.put("failed_over", c.failedOver());
                m.put("promotion", latest.map(PrimaryCommand::toJson).orElse(null));
                Output.json(out, m);
            } else {
                out.println(c.id() + c.name().map(n -> " (" + n + ")").orElse("") + " is served by "
                        + (c.failedOver() ? c.liveCanister() + ", promoted," : "itself,") + " on subnet "
                        + c.liveSubnet());
                latest.ifPresent(p -> out.println("promotion " + p.id() + ": " + describe(p)));
                out.flush();
            }
            return ExitCodes.OK;
        }
    }

    private static String describe(Promotion p) {
        String into = p.newLive().map(PrincipalId::text).orElse("a new canister") + " on subnet " + p.newSubnet();
        return switch (p.state()) {
            case PLANNED -> "restoring replica " + p.replica() + "'s generation into " + into + " (unfinished; run"
                    + " `replicator promote` again to resume it)";
            case LIVE -> "live in " + into + " since " + p.liveAt().orElseThrow() + "; the old primary " + p.oldLive()
                    + " is NOT fenced yet" + p.fenceNote().map(n -> " (" + n + ")").orElse("");
            case FENCED -> "live in " + into + " since " + p.liveAt().orElseThrow() + "; the old primary " + p.oldLive()
                    + " was fenced at " + p.fencedAt().orElseThrow() + p.fenceNote().map(n -> " (" + n + ")").orElse("");
            case FAILING_BACK -> "failing back from " + into + " to " + p.oldLive() + " (run `replicator failback` to"
                    + " resume it)";
            case FAILED_BACK -> "failed over to " + into + " at " + p.liveAt().orElseThrow() + ", back home since "
                    + p.failedBackAt().orElseThrow();
            case FAILED -> "did not go live: " + p.error().orElse("");
        };
    }

    static Map<String, Object> toJson(Promotion p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("promotion", p.id());
        m.put("canister", p.canister().text());
        m.put("state", p.state().name().toLowerCase());
        m.put("replica", p.replica().text());
        m.put("generation", p.generation().orElse(null));
        m.put("old_primary", p.oldLive().text());
        m.put("old_subnet", p.oldSubnet().text());
        m.put("new_primary", p.newLive().map(PrincipalId::text).orElse(null));
        m.put("new_subnet", p.newSubnet().text());
        m.put("automatic", p.automatic());
        m.put("reason", p.reason());
        m.put("writes_not_carried", p.writesNotCarried().orElse(null));
        m.put("fence_note", p.fenceNote().orElse(null));
        m.put("started_at", p.startedAt().toString());
        m.put("live_at", p.liveAt().map(Instant::toString).orElse(null));
        m.put("fenced_at", p.fencedAt().map(Instant::toString).orElse(null));
        m.put("failed_back_at", p.failedBackAt().map(Instant::toString).orElse(null));
        m.put("error", p.error().orElse(null));
        return m;
    }
}
