package org.replicator.localnet.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.control.ControlHttpHandler;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.subnet.Subnet;
import org.replicator.localnet.subnet.SubnetConfig;
import org.replicator.localnet.wasm.ExecutionEngine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a localnet in the foreground until Ctrl-C: {@code scripts/localnet}. */
@Command(name = "localnet", mixinStandardHelpOptions = true, version = "localnet 0.1.0",
        description = {
            "Runs a local Internet Computer network with several subnets that executes real canister wasm and "
                + "speaks the IC's HTTP interface, so IC agents (ic4j, agent-js, dfx) can talk to it.",
            "State is kept in --state-dir; a restart from the same directory keeps every canister, memory, "
                + "balance and message in flight."},
        footer = {"", "Control interface (JSON): http://HOST:PORT" + ControlHttpHandler.PREFIX
                + "/{subnets,faults,canisters,time/advance}; see docs/localnet.md."})
public final class LocalNetServer implements Callable<Integer> {
    @Option(names = "--port", description = "HTTP port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port = 4943;

    @Option(names = "--host", description = "address to bind (default ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--subnets", description = "number of subnets (default ${DEFAULT-VALUE})")
    int subnets = 3;

    @Option(names = "--state-dir", description = "directory for the network's state; without it the state is thrown away on exit")
    Path stateDir;

    @Option(names = "--pacing", description = "FAST (rounds back to back) or REALISTIC (a round every --round-interval); default ${DEFAULT-VALUE}")
    SubnetConfig.Pacing pacing = SubnetConfig.Pacing.FAST;

    @Option(names = "--round-interval", defaultValue = "500ms", converter = DurationConverter.class,
            description = "time between rounds with REALISTIC pacing, e.g. 500ms, 1s (default ${DEFAULT-VALUE})")
    Duration roundInterval;

    @Option(names = "--engine", description = "AOT (wasm compiled to JVM bytecode) or INTERPRETER (default ${DEFAULT-VALUE})")
    ExecutionEngine engine = ExecutionEngine.AOT;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LocalNetServer()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        LocalNetConfig config = LocalNetConfig.defaults().withSubnets(subnets).withHost(host).withPort(port)
                .withStateDir(stateDir).withPacing(pacing).withRoundInterval(roundInterval).withEngine(engine);
        LocalNet net = LocalNet.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            net.close();
            stopped.countDown();
        }, "localnet-shutdown"));
        System.out.println("localnet listening on " + net.url());
        System.out.println("root key (DER, hex): " + HexFormat.of().formatHex(net.rootKeyDer()));
        for (Subnet s : net.subnets()) {
            CanisterIdRange range = s.config().ranges().get(0);
            System.out.printf("subnet %d %-11s %s  canisters %s .. %s%n", s.index(), s.config().type(), s.id(),
                    range.start(), range.end());
        }
        System.out.println("control: " + net.url() + ControlHttpHandler.PREFIX + "/subnets");
        System.out.println(stateDir == null ? "state: temporary (gone on exit)" : "state: " + stateDir.toAbsolutePath());
        System.out.println("Ctrl-C stops the network.");
        stopped.await();
        return 0;
    }

    /** Parses 500ms, 2s, 1m or a plain number of milliseconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase();
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            }
            return Duration.ofMillis(Long.parseLong(v));
        }
    }
}
