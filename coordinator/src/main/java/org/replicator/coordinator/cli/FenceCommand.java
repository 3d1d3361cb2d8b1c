package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.replicator.coordinator.failover.FailoverContext;
import org.replicator.coordinator.failover.Fencer;
import org.replicator.coordinator.store.Promotion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "fence", mixinStandardHelpOptions = true,
        description = {"Fences the old primary of a failed-over CANISTER once its subnet answers: its writes are"
                + " refused (the replication library's fence), the writes it took after its last sealed generation"
                + " are counted, and it is stopped, so the service never has two primaries. Exits 1 if the subnet"
                + " does not answer within --wait."})
final class FenceCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how long to wait for the old primary's subnet to answer; e.g. 30s, 10m (default: 0, one try)")
    Duration wait = Duration.ZERO;

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr());
                ConsoleRestoreProgress progress = new ConsoleRestoreProgress(spec.commandLine().getErr())) {
            FailoverContext ctx = FailoverContext.connected(session.database(), session.gateway(),
                    ReplicaCommand.funding(session), Duration.ofMillis(500));
            Promotion p = new Fencer(ctx).fence(canister, wait, session.identity().principal().text(), progress);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, PrimaryCommand.toJson(p));
            } else {
                out.println("old primary " + p.oldLive() + " of " + p.canister() + ": fenced at " + p.fencedAt().orElseThrow()
                        + p.fenceNote().map(n -> " (" + n + ")").orElse(""));
                out.flush();
            }
            return ExitCodes.OK;
        }
    }
}
