package org.replicator.coordinator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.replicator.coordinator.http.StatusServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves the coordinator's status over HTTP until interrupted: JSON under /api/canisters"
                + " (canisters, their primary after a failover, replicas, latest run) and Prometheus metrics under"
                + " /metrics, read from the database at each request. Read-only; binds to 127.0.0.1 unless --bind."})
final class ServeCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "the port to listen on (default: 8080; 0 picks a free one)")
    int port = 8080;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "the address to listen on (default: 127.0.0.1)")
    String bind = "127.0.0.1";

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        // Ctrl-C ends the JVM; the hook lets the server and an embedded database shut down first
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Session session = new Session(root, err);
                StatusServer server = StatusServer.start(session.database(), new InetSocketAddress(bind, port))) {
            err.println("serving " + server.url() + "api/canisters and " + server.url() + "metrics; Ctrl-C stops");
            err.flush();
            stop.await();
            return ExitCodes.OK;
        } finally {
            closed.countDown();
        }
    }
}
