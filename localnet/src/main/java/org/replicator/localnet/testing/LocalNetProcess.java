package org.replicator.localnet.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.replicator.localnet.server.LocalNetServer;

/**
 * A localnet in its own JVM, as {@code scripts/localnet} runs it, so tests can kill it with
 * SIGKILL and start it again from the same state directory.
 */
public final class LocalNetProcess implements AutoCloseable {
    private final Process process;
    private final URI url;

    private LocalNetProcess(Process process, URI url) {
        this.process = process;
        this.url = url;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts a server on {@code port} over {@code stateDir} and waits until it listens. */
    public static LocalNetProcess start(Path stateDir, int port) throws IOException, InterruptedException {
        return start(stateDir, port, List.of());
    }

    /** As {@link #start(Path, int)}, with extra JVM options such as {@code -Xmx256m}. */
    public static LocalNetProcess start(Path stateDir, int port, List<String> jvmOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-XX:-DontCompileHugeMethods");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LocalNetServer.class.getName());
        command.add("--port");
        command.add(Integer.toString(port));
        command.add("--state-dir");
        command.add(stateDir.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<URI> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("localnet listening on ")) {
                        listening.complete(URI.create(line.substring("localnet listening on ".length()).trim()));
                    }
                }
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
            listening.completeExceptionally(new IllegalStateException("the localnet process exited before listening"));
        }, "localnet-process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new LocalNetProcess(p, listening.get(120, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IllegalStateException("the localnet process did not start", e);
        }
    }

    public URI url() {
        return url;
    }

    /** SIGKILL: no shutdown hook, no checkpoint. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    /** SIGTERM: the server closes the network cleanly. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
