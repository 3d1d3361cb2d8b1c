package org.replicator.coordinator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.replicator.coordinator.failover.PrimaryView;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.store.ProtectedCanister;

/**
 * The HTTP surface of `replicator serve`: the read-only status as JSON under {@code /api/canisters}
 * and Prometheus metrics under {@code /metrics}, both read from the database at each request and
 * open to anyone who can reach the port (it binds to loopback unless told otherwise); and, when
 * given a {@link UsersApi}, the authenticated users API under {@code /api/users} (docs/api.md).
 *
 * <ul>
 *   <li>{@code GET /api/canisters}: every protected canister with its primary, replicas and latest run</li>
 *   <li>{@code GET /api/canisters/{id or name}}: one of them</li>
 *   <li>{@code GET /api/canisters/{id or name}/primary}: where its service lives now (what clients look up after a failover)</li>
 *   <li>{@code GET /api/canisters/{id or name}/costs}: what its latest runs cost, oldest first</li>
 *   <li>{@code GET /}: the status page, which reads the above</li>
 *   <li>{@code GET /metrics}</li>
 *   <li>{@code /api/users/…}: see {@link UsersApi}</li>
 * </ul>
 */
public final class StatusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database db;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Optional<UsersApi> users;

    private StatusServer(Database db, HttpServer server, ExecutorService executor, Optional<UsersApi> users) {
        this.db = db;
        this.server = server;
        this.executor = executor;
        this.users = users;
    }

    /** The status and metrics only. */
    public static StatusServer start(Database db, InetSocketAddress address) throws IOException {
        return start(db, address, Optional.empty());
    }

    public static StatusServer start(Database db, InetSocketAddress address, Optional<UsersApi> users)
            throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "status-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        StatusServer s = new StatusServer(db, server, executor, users);
        server.createContext("/api/", s::api);
        server.createContext("/metrics", new MetricsHandler(ReplicatorMetrics.register(db)));
        server.createContext("/", s::page);
        server.start();
        return s;
    }

    public URI url() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/");
    }

    /** The status page at {@code /}: static HTML whose script reads the JSON API. */
    private void page(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (!path.equals("/") && !path.equals("/index.html")) {
            send(exchange, 404, Map.of("error", "no such resource: " + path + "; see /, /api/canisters and /metrics"));
            return;
        }
        byte[] html;
        try (var in = StatusServer.class.getResourceAsStream("status-page.html")) {
            html = in.readAllBytes();
        }
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, html.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(html);
        }
    }

    private void api(HttpExchange exchange) throws IOException {
        List<String> parts = new ArrayList<>(List.of(exchange.getRequestURI().getPath().split("/")));
        parts.removeIf(String::isEmpty);
        if (users.isPresent() && parts.size() >= 2 && parts.get(1).equals("users")) {
            users.get().handle(exchange, parts);
            return;
        }
        try {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, Map.of("error", exchange.getRequestMethod() + " is not served here; the status"
                        + " API only reads"));
                return;
            }
            // ["api", "canisters", ref?, "primary"?]
            if (parts.size() < 2 || !parts.get(1).equals("canisters") || parts.size() > 4
                    || (parts.size() == 4 && !parts.get(3).equals("primary") && !parts.get(3).equals("costs"))) {
                send(exchange, 404, Map.of("error", "no such resource: " + exchange.getRequestURI().getPath()
                        + "; see /api/canisters"));
                return;
            }
            if (parts.size() == 2) {
                send(exchange, 200, db.inTransaction(tx -> {
                    List<Object> all = new ArrayList<>();
                    for (ProtectedCanister c : new CanisterRepository().listActive(tx)) {
                        all.add(StatusDocuments.canister(tx, c));
                    }
                    return all;
                }));
                return;
            }
            String ref = parts.get(2);
            Optional<Object> doc = db.inTransaction(tx -> {
                Optional<ProtectedCanister> c = new CanisterRepository().findActiveByIdOrName(tx, ref);
                if (c.isEmpty()) {
                    return Optional.empty();
                }
                if (parts.size() == 3) {
                    return Optional.of(StatusDocuments.canister(tx, c.get()));
                }
                return Optional.of(parts.get(3).equals("primary") ? PrimaryView.of(tx, c.get()).toJson()
                        : StatusDocuments.costs(tx, c.get()));
            });
            if (doc.isEmpty()) {
                send(exchange, 404, Map.of("error", "no protected canister is called " + ref));
            } else {
                send(exchange, 200, doc.get());
            }
        } catch (DatabaseException e) {
            send(exchange, 503, Map.of("error", e.getMessage()));
        } catch (RuntimeException e) {
            send(exchange, 500, Map.of("error", String.valueOf(e.getMessage())));
        }
    }

    private void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
