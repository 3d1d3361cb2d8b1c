package org.replicator.coordinator.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.replicator.localnet.server.LocalNetServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Starts the embedded IC network in the foreground for trying Replicator out. The only class of
 * the coordinator that uses the localnet module; the coordinator itself reaches the network only
 * over HTTP like any other IC agent.
 */
@Command(name = "localnet", mixinStandardHelpOptions = true,
        description = {"Runs a local IC network (several subnets, real canister wasm, the IC's HTTP interface) in the"
                + " foreground until Ctrl-C, with its state in DATA_DIR/localnet. Other replicator commands reach it"
                + " with --network local."})
final class LocalnetCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", description = "HTTP port (default ${DEFAULT-VALUE}, what --network local uses)")
    int port = 4943;

    @Option(names = "--subnets", description = "number of subnets (default ${DEFAULT-VALUE})")
    int subnets = 3;

    @Option(names = "--ephemeral", description = "keep no state: a fresh network that is gone on exit")
    boolean ephemeral;

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--subnets", String.valueOf(subnets)));
        if (!ephemeral) {
            args.add("--state-dir");
            args.add(root.dataDirOrDefault().resolve("localnet").toAbsolutePath().toString());
        }
        return new CommandLine(new LocalNetServer()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(spec.commandLine().getOut()).setErr(spec.commandLine().getErr())
                .execute(args.toArray(String[]::new));
    }
}
