package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.failover.FailoverContext;
import org.replicator.coordinator.failover.PromoteRequest;
import org.replicator.coordinator.failover.Promoter;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.restore.RestoreDriver;
import org.replicator.coordinator.store.Promotion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Fails CANISTER over to a replica's subnet while its own subnet is down: creates a canister on"
                + " the replica's subnet with the app's module, has the backup canister push its newest sealed"
                + " generation into it, checks the image root, and records it as the primary. The other replicas"
                + " replicate from it from then on; the old primary is fenced as soon as its subnet answers"
                + " (`replicator fence`). An unfinished promotion is resumed by running the same command again."})
final class PromoteCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Option(names = "--replica", paramLabel = "REPLICA", required = true,
            description = "the backup canister whose newest sealed generation goes live, on its own subnet")
    String replica;

    @Option(names = "--wasm", paramLabel = "FILE", required = true,
            description = "the app's wasm module: the module the generation's source ran (its hash is checked)")
    Path wasm;

    @Option(names = "--init-arg", paramLabel = "HEX", description = "the install argument in Candid, hex-encoded;"
            + " give the original's, so the new canister is configured alike (e.g. its chunk size)")
    String initArg;

    @Option(names = "--cycles", paramLabel = "C", description = "the new canister's initial balance"
            + " (default 3000000000000)")
    BigInteger cycles = BigInteger.valueOf(3_000_000_000_000L);

    @Option(names = "--planned", description = "promote although the primary still answers (a planned move): it is"
            + " fenced as soon as the new one is live")
    boolean planned;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, for the audit log (default: the primary's"
            + " subnet is down)")
    String reason;

    @Override
    public Integer call() {
        PrincipalId replicaId = PrincipalId.parse(replica);
        byte[] install = initArg == null ? RestoreDriver.NO_INIT_ARGUMENT : RestoreCommand.hex(initArg);
        var module = Optional.of(RestoreCommand.read(wasm));
        try (Session session = new Session(root, spec.commandLine().getErr());
                ConsoleRestoreProgress progress = new ConsoleRestoreProgress(spec.commandLine().getErr())) {
            FailoverContext ctx = FailoverContext.connected(session.database(), session.gateway(),
                    ReplicaCommand.funding(session), Duration.ofMillis(200));
            String why = reason != null ? reason : planned ? "planned move" : "the primary's subnet does not answer";
            Promotion p = new Promoter(ctx).promote(new PromoteRequest(canister, replicaId, module, install, cycles,
                    planned, false, why), session.identity().principal().text(), progress);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, PrimaryCommand.toJson(p));
            } else {
                out.println("promotion " + p.id() + ": " + p.canister() + " is served by " + p.newLive().orElseThrow()
                        + " on subnet " + p.newSubnet() + " (generation " + p.generation().orElseThrow() + " of replica "
                        + p.replica() + "); old primary " + p.oldLive() + ": "
                        + (p.state() == Promotion.State.FENCED ? "fenced" : "to be fenced when subnet " + p.oldSubnet()
                                + " answers (`replicator fence " + canister + "`)"));
                out.flush();
            }
            return ExitCodes.OK;
        }
    }
}
