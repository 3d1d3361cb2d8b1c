package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code replicator}: the coordinator's command line. See docs/cli.md. */
@Command(name = "replicator", mixinStandardHelpOptions = true, version = "replicator 0.1.0",
        description = "Backs up Internet Computer canisters into backup canisters on other subnets, and keeps"
                + " track of every run and its cycle cost.",
        subcommands = {InitCommand.class, CanisterCommand.class, ReplicaCommand.class, ReplicateCommand.class,
                StatusCommand.class, GenerationsCommand.class, VerifyCommand.class, RestoreCommand.class, PromoteCommand.class,
                PrimaryCommand.class, FenceCommand.class, FailbackCommand.class, WatchCommand.class, ServeCommand.class, ScheduleCommand.class, UserCommand.class, CostsCommand.class, LocalnetCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage or invalid input, 3 IC unreachable or rejected,"
                + " 4 database problem. See docs/cli.md."})
public final class Replicator implements Runnable {

    @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "where the coordinator keeps its embedded database and files (default: ~/.replicator)")
    Path dataDir;

    @Option(names = "--jdbc-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "an external PostgreSQL, e.g. jdbc:postgresql://db:5432/replicator (default: the"
                    + " embedded one in the data directory)")
    String jdbcUrl;

    @Option(names = "--db-user", scope = ScopeType.INHERIT, paramLabel = "USER", description = "user for --jdbc-url")
    String dbUser;

    @Option(names = "--db-password", scope = ScopeType.INHERIT, paramLabel = "PASSWORD",
            description = "password for --jdbc-url (or set REPLICATOR_DB_PASSWORD)")
    String dbPassword;

    @Option(names = "--network", scope = ScopeType.INHERIT, paramLabel = "local|ic|URL",
            description = "the IC network: local (http://127.0.0.1:4943), ic (mainnet, pinned root key) or a URL"
                    + " (default: local)")
    String network = "local";

    @Option(names = "--identity", scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "PEM file of the identity to act as (dfx/icp-cli Ed25519 or secp256k1); default anonymous")
    Path identity;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "print results as JSON")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run it in-process with their own writers. */
    public static CommandLine commandLine() {
        return new CommandLine(new Replicator())
                .setExecutionExceptionHandler(new FailureReporter())
                .setParameterExceptionHandler(Replicator::usageError)
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    Path dataDirOrDefault() {
        return dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".replicator");
    }

    String dbPasswordOrEnvironment() {
        return dbPassword != null ? dbPassword : System.getenv("REPLICATOR_DB_PASSWORD");
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + e.getMessage());
        err.println("try: " + cmd.getCommandSpec().qualifiedName() + " --help");
        err.flush();
        return ExitCodes.USAGE;
    }
}
