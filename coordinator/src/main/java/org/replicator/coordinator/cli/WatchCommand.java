package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.failover.FailoverContext;
import org.replicator.coordinator.failover.HealthWatch;
import org.replicator.coordinator.failover.PromoteRequest;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.restore.RestoreDriver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Health-checks CANISTER's live canister every --interval and records in the audit log when it"
                + " stops and starts answering. Automatic promotion is off unless --promote-after is given: then, once"
                + " the canister has not answered for that long without a break, REPLICA is promoted (as `replicator"
                + " promote` would, marked automatic with the failed checks as its reason), and its old primary is"
                + " fenced as soon as its subnet answers."})
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "time between health checks (default: 10s)")
    Duration interval = Duration.ofSeconds(10);

    @Option(names = "--promote-after", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "promote --replica once the canister has failed every check for this long (default: never)")
    Duration promoteAfter;

    @Option(names = "--replica", paramLabel = "REPLICA", description = "with --promote-after: the replica to promote")
    String replica;

    @Option(names = "--wasm", paramLabel = "FILE", description = "with --promote-after: the app's wasm module")
    Path wasm;

    @Option(names = "--init-arg", paramLabel = "HEX", description = "with --promote-after: the install argument (Candid, hex)")
    String initArg;

    @Option(names = "--cycles", paramLabel = "C", description = "with --promote-after: the new canister's balance"
            + " (default 3000000000000)")
    BigInteger cycles = BigInteger.valueOf(3_000_000_000_000L);

    @Option(names = "--for", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "stop watching after this long (default: until interrupted)")
    Duration duration;

    @Option(names = "--until-fenced", description = "stop once a promotion it made has fenced the old primary")
    boolean untilFenced;

    @Override
    public Integer call() {
        if (promoteAfter != null && (replica == null || wasm == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--promote-after needs --replica and --wasm:"
                    + " what to promote, and the app's module to run it with");
        }
        if (promoteAfter == null && (replica != null || wasm != null || initArg != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--replica, --wasm and --init-arg are for"
                    + " --promote-after; without it the watch never promotes");
        }
        PromoteRequest request = promoteAfter == null ? null : new PromoteRequest(canister, PrincipalId.parse(replica),
                Optional.of(RestoreCommand.read(wasm)),
                initArg == null ? RestoreDriver.NO_INIT_ARGUMENT : RestoreCommand.hex(initArg), cycles, false, true, "");
        PrintWriter err = spec.commandLine().getErr();
        try (Session session = new Session(root, err); ConsoleRestoreProgress progress = new ConsoleRestoreProgress(err)) {
            FailoverContext ctx = FailoverContext.connected(session.database(), session.gateway(),
                    ReplicaCommand.funding(session), Duration.ofMillis(200));
            Instant until = duration == null ? Instant.MAX : Instant.now().plus(duration);
            HealthWatch.Outcome outcome = new HealthWatch(ctx, Clock.systemUTC()).watch(canister, request, interval,
                    promoteAfter, until, untilFenced, session.identity().principal().text(), progress);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, outcome.promotion().map(PrimaryCommand::toJson).orElse(java.util.Map.of()));
            } else {
                out.println(outcome.checks() + " check(s); " + outcome.promotion().map(p -> "promotion " + p.id() + ": "
                        + p.newLive().orElseThrow() + " serves " + p.canister() + " (" + p.state().name().toLowerCase()
                        + ")").orElse("no promotion"));
                out.flush();
            }
            return ExitCodes.OK;
        }
    }
}
