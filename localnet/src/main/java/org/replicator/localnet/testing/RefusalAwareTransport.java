package org.replicator.localnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.ic4j.agent.ReplicaResponse;
import org.ic4j.agent.ReplicaTransport;
import org.ic4j.agent.requestid.RequestId;
import org.ic4j.types.Principal;

/**
 * Wraps an ic4j transport to see what ic4j 0.7.2 ignores: the body of a {@code /call} answer.
 * An IC replica refuses a call it will not execute (unknown canister, non-controller, failed
 * inspect_message...) with HTTP 200 and a CBOR reject, and never certifies it; ic4j would poll
 * until its waiter gives up. This remembers the refusal so the client can report it at once.
 */
final class RefusalAwareTransport implements ReplicaTransport {
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    private final ReplicaTransport delegate;
    private final Map<String, IcClient.Rejected> refusals = new ConcurrentHashMap<>();

    RefusalAwareTransport(ReplicaTransport delegate) {
        this.delegate = delegate;
    }

    Optional<IcClient.Rejected> refusal(RequestId id) {
        return Optional.ofNullable(refusals.remove(id.toHexString()));
    }

    @Override
    public CompletableFuture<ReplicaResponse> status() {
        return delegate.status();
    }

    @Override
    public CompletableFuture<ReplicaResponse> query(Principal canisterId, byte[] envelope, Map<String, String> headers) {
        return delegate.query(canisterId, envelope, headers);
    }

    @Override
    public CompletableFuture<ReplicaResponse> call(Principal canisterId, byte[] envelope, RequestId requestId,
            Map<String, String> headers) {
        return delegate.call(canisterId, envelope, requestId, headers).thenApply(response -> {
            if (response.payload != null && response.payload.length > 0) {
                parseRefusal(response.payload).ifPresent(r -> refusals.put(requestId.toHexString(), r));
            }
            return response;
        });
    }

    private static Optional<IcClient.Rejected> parseRefusal(byte[] body) {
        try {
            JsonNode node = CBOR.readTree(body);
            if (node == null || !node.isObject()) {
                return Optional.of(new IcClient.Rejected("http", new String(body, java.nio.charset.StandardCharsets.UTF_8)));
            }
            if (node.has("reject_code")) {
                String errorCode = node.has("error_code") ? node.get("error_code").asText() + ": " : "";
                return Optional.of(new IcClient.Rejected(node.get("reject_code").asText(),
                        errorCode + node.get("reject_message").asText()));
            }
        } catch (IOException e) {
            // a text body (HTTP 4xx): ic4j will report the failure itself when it polls
            return Optional.of(new IcClient.Rejected("http", new String(body, java.nio.charset.StandardCharsets.UTF_8)));
        }
        return Optional.empty();
    }

    @Override
    public CompletableFuture<ReplicaResponse> readState(Principal canisterId, byte[] envelope,
            Map<String, String> headers) {
        return delegate.readState(canisterId, envelope, headers);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
