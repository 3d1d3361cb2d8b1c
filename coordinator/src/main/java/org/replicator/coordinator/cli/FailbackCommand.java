package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.replicator.coordinator.engine.EngineSettings;
import org.replicator.coordinator.engine.Owner;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.failover.Failback;
import org.replicator.coordinator.failover.FailoverContext;
import org.replicator.coordinator.store.Promotion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "failback", mixinStandardHelpOptions = true,
        description = {"Brings a failed-over CANISTER home with the writes made meanwhile: replicates the promoted"
                + " canister, fences its writes, replicates it once more, restores that last generation into the"
                + " fenced original, checks its image root, and only then makes the original the primary again and"
                + " stops the promoted canister. The old primary must have been fenced (`replicator fence`). Running"
                + " it again resumes a fail-back a stopped coordinator left unfinished."})
final class FailbackCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try (Session session = new Session(root, err);
                ConsoleRestoreProgress progress = new ConsoleRestoreProgress(err);
                ConsoleRunProgress runs = new ConsoleRunProgress(err)) {
            FailoverContext ctx = FailoverContext.connected(session.database(), session.gateway(),
                    ReplicaCommand.funding(session), Duration.ofMillis(200));
            ReplicationEngine engine = ReplicationEngine.connected(session.database(), session.gateway(),
                    EngineSettings.defaults(), Owner.current("cli"), runs);
            Promotion p = new Failback(ctx, engine).failback(canister, session.identity().principal().text(), progress);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, PrimaryCommand.toJson(p));
            } else {
                out.println(p.canister() + " is served by itself again (promotion " + p.id() + " failed back at "
                        + p.failedBackAt().orElseThrow() + "); " + p.newLive().orElseThrow() + " is stopped");
                out.flush();
            }
            return ExitCodes.OK;
        }
    }
}
