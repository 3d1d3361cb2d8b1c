package org.replicator.localnet.http;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.replicator.localnet.certification.CanisterSignatureVerifier;
import org.replicator.localnet.crypto.RequestSignatureVerifier;

/**
 * The IC's public HTTP interface for the localnet, on the JDK's HTTP server: status, calls
 * (v2 asynchronous, v3/v4 synchronous), queries and read_state, answered as a replica would.
 * Requests run on a bounded pool of worker threads.
 */
public final class HttpGateway implements AutoCloseable {
    private static final int QUEUED_CONNECTIONS = 1024;

    private final GatewayBackend backend;
    private final GatewayConfig config;
    private final java.util.Map<String, com.sun.net.httpserver.HttpHandler> extensions = new java.util.LinkedHashMap<>();
    private HttpServer server;
    private ThreadPoolExecutor workers;

    public HttpGateway(GatewayBackend backend, GatewayConfig config) {
        this.backend = backend;
        this.config = config;
    }

    /**
     * Serves a non-IC path next to the IC interface, e.g. the localnet's control interface under
     * {@code /_/}; agents never use such paths. Must be called before {@link #start()}.
     */
    public synchronized void addExtension(String pathPrefix, com.sun.net.httpserver.HttpHandler handler) {
        if (server != null) {
            throw new IllegalStateException("extensions must be added before the gateway starts");
        }
        extensions.put(pathPrefix, handler);
    }

    /** Binds and starts serving; the port is known afterwards. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("the gateway is already running");
        }
        RequestSignatureVerifier signatures =
                new RequestSignatureVerifier(new CanisterSignatureVerifier(backend.rootKeyDer()));
        GatewayHandler handler = new GatewayHandler(backend, new EnvelopeValidator(signatures), config);
        HttpServer created = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        workers = new ThreadPoolExecutor(config.threads(), config.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUED_CONNECTIONS), namedDaemons(),
                // Past the queue, the server's dispatcher runs the request itself, which slows
                // accepting new connections instead of dropping them.
                new ThreadPoolExecutor.CallerRunsPolicy());
        created.setExecutor(workers);
        created.createContext("/", handler);
        extensions.forEach(created::createContext);
        created.start();
        server = created;
    }

    /** The bound address; with port 0 in the configuration this reports the ephemeral port. */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("the gateway is not running");
        }
        return server.getAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Stops accepting requests and ends the worker threads; calls still waiting are cut off. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.stop(0);
        workers.shutdownNow();
        server = null;
        workers = null;
    }

    @Override
    public void close() {
        stop();
    }

    private static ThreadFactory namedDaemons() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "localnet-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
