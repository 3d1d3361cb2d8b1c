package org.replicator.localnet.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.QueryCall;

/**
 * Queries ({@code /api/v2|v3/canister/<ecid>/query}, {@code /api/v3/subnet/<esid>/query}): the
 * result comes back as 200 whether the canister replied or the query was rejected, signed by the
 * subnet's node.
 */
final class QueryEndpoint {
    private final GatewayBackend backend;
    private final EnvelopeValidator validator;
    private final Duration timeout;

    QueryEndpoint(GatewayBackend backend, EnvelopeValidator validator, GatewayConfig config) {
        this.backend = backend;
        this.validator = validator;
        this.timeout = config.queryTimeout();
    }

    HttpReply handle(Route route, Principal effectiveId, CborValue body) throws HttpError {
        RequestEnvelope request;
        try {
            request = RequestEnvelope.parse(body, RequestKind.QUERY);
        } catch (MalformedRequestException e) {
            throw HttpError.badRequest("Malformed request: " + e.getMessage());
        }
        Principal canisterId = request.canisterId();
        if (route.target() == Route.Target.SUBNET) {
            if (!canisterId.isManagementCanister()) {
                throw HttpError.badRequest("The subnet query endpoint only serves the management canister, not "
                        + canisterId);
            }
        } else if (!canisterId.isManagementCanister() && !canisterId.equals(effectiveId)) {
            throw HttpError.badRequest("Specified CanisterId " + canisterId
                    + " does not match effective canister id in URL " + effectiveId);
        }
        validator.validate(request, backend.timeNanos());
        SubnetPort subnet = Subnets.serving(backend, route.target(), effectiveId);
        if (subnet.isHalted()) {
            throw HttpError.unavailable("Subnet " + subnet.record().id() + " is halted and serves no queries.");
        }
        Subnets.requireCertifiedState(subnet);
        QueryCall query = new QueryCall(request.requestId(), request.sender(), canisterId, effectiveId,
                request.methodName(), request.arg(), request.ingressExpiryNanos());
        CallResult result = await(subnet.query(query));
        return HttpReply.cbor(200, QueryResponses.signed(result, request.requestId(), backend.timeNanos(),
                subnet.nodeKey()));
    }

    private CallResult await(CompletableFuture<CallResult> result) throws HttpError {
        try {
            return Optional.ofNullable(result.get(timeout.toNanos(), TimeUnit.NANOSECONDS))
                    .orElseThrow(() -> new HttpError(500, "The query produced no result."));
        } catch (TimeoutException e) {
            throw new HttpError(504, "Request took longer than the deadline.");
        } catch (ExecutionException e) {
            throw new HttpError(500, "Internal error: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HttpError.unavailable("The replica is shutting down.");
        }
    }
}
