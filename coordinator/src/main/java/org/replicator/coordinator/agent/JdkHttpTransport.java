package org.replicator.coordinator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.ic4j.agent.AgentError;
import org.ic4j.agent.ReplicaResponse;
import org.ic4j.agent.ReplicaTransport;
import org.ic4j.agent.requestid.RequestId;
import org.ic4j.types.Principal;

/**
 * ic4j's transport on {@code java.net.http}, keeping the base URL's path and adding what ic4j 0.7.2
 * throws away: the body of a {@code /call} answer. A replica refuses a call it will not run
 * (unknown canister, caller not a controller) with a CBOR reject there and never certifies it, so
 * ic4j alone would poll until its wait runs out. The refusal is kept here, by request id, for
 * {@link IcGateway} to report at once. It also counts the requests and body bytes it carries
 * ({@link IcTraffic}), so what passes through the coordinator can be measured rather than guessed.
 */
final class JdkHttpTransport implements ReplicaTransport {
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());
    private static final String CONTENT_TYPE = "application/cbor";

    private final HttpClient client;
    private final String base;
    private final Duration timeout;
    private final Map<String, Refusal> refusals = new ConcurrentHashMap<>();
    /** Requests by {@link Kind} ordinal, then bytes sent, then bytes received. */
    private final AtomicLongArray counts = new AtomicLongArray(Kind.values().length + 2);

    private enum Kind { CALL, QUERY, READ_STATE, STATUS }

    /** A call the replica refused before running it. */
    record Refusal(int rejectCode, String message) {
    }

    JdkHttpTransport(URI url, Duration connectTimeout, Duration timeout) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        String u = url.toString();
        this.base = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        this.timeout = timeout;
    }

    IcTraffic traffic() {
        int n = Kind.values().length;
        return new IcTraffic(counts.get(Kind.CALL.ordinal()), counts.get(Kind.QUERY.ordinal()),
                counts.get(Kind.READ_STATE.ordinal()), counts.get(Kind.STATUS.ordinal()), counts.get(n), counts.get(n + 1));
    }

    Optional<Refusal> takeRefusal(RequestId id) {
        return Optional.ofNullable(refusals.remove(id.toHexString()));
    }

    @Override
    public CompletableFuture<ReplicaResponse> status() {
        return send(Kind.STATUS, HttpRequest.newBuilder(URI.create(base + "/api/v2/status")).GET(), 0, null);
    }

    @Override
    public CompletableFuture<ReplicaResponse> query(Principal canisterId, byte[] envelope, Map<String, String> headers) {
        return post(Kind.QUERY, "/api/v2/canister/" + canisterId + "/query", envelope, headers);
    }

    @Override
    public CompletableFuture<ReplicaResponse> call(Principal canisterId, byte[] envelope, RequestId requestId,
            Map<String, String> headers) {
        return post(Kind.CALL, "/api/v2/canister/" + canisterId + "/call", envelope, headers).thenApply(response -> {
            if (response.payload != null && response.payload.length > 0) {
                parseRefusal(response.payload).ifPresent(r -> refusals.put(requestId.toHexString(), r));
            }
            return response;
        });
    }

    @Override
    public CompletableFuture<ReplicaResponse> readState(Principal canisterId, byte[] envelope,
            Map<String, String> headers) {
        return post(Kind.READ_STATE, "/api/v2/canister/" + canisterId + "/read_state", envelope, headers);
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() before Java 21; its threads end with the JVM's use of it.
    }

    private CompletableFuture<ReplicaResponse> post(Kind kind, String path, byte[] body, Map<String, String> headers) {
        return send(kind, HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", CONTENT_TYPE), body.length, headers);
    }

    private CompletableFuture<ReplicaResponse> send(Kind kind, HttpRequest.Builder request, long bytesSent,
            Map<String, String> headers) {
        if (headers != null) {
            headers.forEach(request::header);
        }
        counts.incrementAndGet(kind.ordinal());
        counts.addAndGet(Kind.values().length, bytesSent);
        return client.sendAsync(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                        String reason = cause.getMessage() != null ? cause.getMessage()
                                : cause instanceof java.net.ConnectException ? "connection refused"
                                : cause.getClass().getSimpleName();
                        throw AgentError.create(AgentError.AgentErrorCode.HTTP_ERROR, cause, reason);
                    }
                    if (response.statusCode() >= 500) {
                        // a gateway or replica that is overloaded, restarting or halted: the request
                        // was not served, and the same request may be served later
                        String body = new String(response.body(), StandardCharsets.UTF_8).trim();
                        throw AgentError.create(AgentError.AgentErrorCode.HTTP_ERROR, "HTTP " + response.statusCode()
                                + (body.isEmpty() ? "" : ": " + body));
                    }
                    ReplicaResponse r = new ReplicaResponse();
                    r.headers = new HashMap<>();
                    response.headers().map().forEach((k, v) -> r.headers.put(k, String.join(",", v)));
                    r.payload = response.body();
                    counts.addAndGet(Kind.values().length + 1, r.payload.length);
                    return r;
                });
    }

    private static Optional<Refusal> parseRefusal(byte[] body) {
        try {
            JsonNode node = CBOR.readTree(body);
            if (node != null && node.isObject() && node.has("reject_code")) {
                String errorCode = node.has("error_code") ? node.get("error_code").asText() + ": " : "";
                return Optional.of(new Refusal(node.get("reject_code").asInt(),
                        errorCode + node.path("reject_message").asText()));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(new Refusal(0, new String(body, StandardCharsets.UTF_8).trim()));
        }
    }
}
