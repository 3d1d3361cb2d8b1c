package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.replicator.coordinator.engine.EngineSettings;
import org.replicator.coordinator.engine.Owner;
import org.replicator.coordinator.engine.ReplicationEngine;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.store.Run;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = {"Replicates CANISTER into its active replicas: freezes an image, has every replica pull it,"
                + " checks each replica's root against the source's, and seals the generations. An unfinished run"
                + " of CANISTER (e.g. of a stopped coordinator) is resumed instead of starting a new one."})
final class ReplicateCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    static final class Mode {
        @Option(names = "--full", description = "pull the whole image (default)")
        boolean full;

        @Option(names = "--incremental", description = "pull only chunks changed since the last sealed generation")
        boolean incremental;
    }

    @Option(names = "--budget", paramLabel = "CYCLES", description = "refuse or stop the run before it spends more")
    BigInteger budget;

    @Option(names = "--top-up", paramLabel = "CYCLES",
            description = "when a replica runs short of cycles (its backup canister pauses with LOW_CYCLES), top it up"
                    + " by CYCLES from the network's funding source and go on, at most 5 times per replica; without"
                    + " it, that replica's part fails")
    BigInteger topUp;

    @Option(names = "--max-concurrent-runs", paramLabel = "N",
            description = "drive at most N runs at once across all coordinators sharing the database (default: 4)")
    int maxConcurrentRuns = EngineSettings.DEFAULT_MAX_CONCURRENT_RUNS;

    @Option(names = "--no-wait", description = "exit 1 at once, saying why, when another live coordinator holds the"
            + " run or the bound on concurrent runs is reached, instead of waiting")
    boolean noWait;

    @Option(names = "--outage-window", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how long to wait out an unreachable network or database mid-run before giving up"
                    + " (the run stays recorded); e.g. 30s, 10m, 1h (default: 10m)")
    Duration outageWindow = EngineSettings.DEFAULT_OUTAGE_WINDOW;

    @Override
    public Integer call() {
        if (maxConcurrentRuns < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-concurrent-runs must be at least 1,"
                    + " not " + maxConcurrentRuns);
        }
        if (topUp != null && topUp.signum() <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top-up must be at least 1 cycle, not "
                    + topUp);
        }
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            PrintWriter err = spec.commandLine().getErr();
            ConsoleRunProgress progress = new ConsoleRunProgress(err);
            CyclesFunding funding = ReplicaCommand.funding(session);
            if (topUp != null) {
                // refused before anything is planned, not when the first replica runs short
                funding.checkCanTopUp();
            }
            ReplicationEngine engine = ReplicationEngine.connected(session.database(), session.gateway(),
                    EngineSettings.defaults().withMaxConcurrentRuns(maxConcurrentRuns).withOutageWindow(outageWindow)
                            .withTopUp(topUp),
                    Owner.current("cli"), progress, funding);
            String actor = session.identity().principal().text();
            Run run = engine.unfinishedOf(canister).orElseGet(() -> {
                engine.awaitRoomForARun(!noWait);
                return engine.plan(canister, mode.incremental ? Run.Kind.INCREMENTAL : Run.Kind.FULL, budget, actor);
            });
            Run done = engine.drive(run.id(), !noWait);
            progress.close();
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, StatusCommand.toJson(done));
            } else {
                out.println("run " + done.id() + " of " + done.canister() + ": " + done.state().name().toLowerCase()
                        + done.image().map(i -> ", root " + i.root() + ", " + i.size() + " bytes").orElse("")
                        + done.error().map(e -> ": " + e).orElse(""));
                out.flush();
            }
            return done.state() == Run.State.SEALED ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }
}
