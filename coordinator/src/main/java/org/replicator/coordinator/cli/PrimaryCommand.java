package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.failover.PrimaryView;
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
            PrimaryView view = session.database().inTransaction(tx -> PrimaryView.of(tx, c));
            Optional<Promotion> latest = view.latest();
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, view.toJson());
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
        return PrimaryView.promotionJson(p);
    }
}
