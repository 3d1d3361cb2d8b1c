package org.replicator.localnet.http;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.DelegationFormat;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.SubmitOutcome;
import org.replicator.localnet.messages.UserError;

/**
 * Update calls. v2 ({@code /api/v2/canister/<ecid>/call}) is asynchronous: 202 with an empty body
 * once accepted, or 200 with the non-replicated rejection. v3 and v4 are synchronous: 200 with a
 * certificate of the request's status once it is terminal (or at once if it is already known),
 * 200 {@code non_replicated_rejection}, or 202 with a reason when the wait runs out. v3 carries
 * flat delegation ranges, v4 the shard of the effective canister; {@code /api/v4/subnet/<esid>/call}
 * only creates canisters on that subnet.
 */
final class CallEndpoint {
    private static final Set<String> CREATION_METHODS =
            Set.of("create_canister", "provisional_create_canister_with_cycles");

    private final GatewayBackend backend;
    private final EnvelopeValidator validator;
    private final GatewayConfig config;

    CallEndpoint(GatewayBackend backend, EnvelopeValidator validator, GatewayConfig config) {
        this.backend = backend;
        this.validator = validator;
        this.config = config;
    }

    HttpReply handle(Route route, Principal effectiveId, CborValue body, int bodyBytes) throws HttpError {
        RequestEnvelope request;
        try {
            request = RequestEnvelope.parse(body, RequestKind.CALL);
        } catch (MalformedRequestException e) {
            throw HttpError.badRequest("Could not parse body as call message: " + e.getMessage());
        }
        Principal canisterId = request.canisterId();
        if (route.target() == Route.Target.SUBNET) {
            if (!canisterId.isManagementCanister() || !CREATION_METHODS.contains(request.methodName())) {
                throw HttpError.badRequest("The subnet call endpoint only accepts canister creation on the "
                        + "management canister, not " + canisterId + "." + request.methodName());
            }
        } else if (!canisterId.isManagementCanister() && !canisterId.equals(effectiveId)) {
            throw HttpError.badRequest("Specified CanisterId " + canisterId
                    + " does not match effective canister id in URL " + effectiveId);
        }
        if (bodyBytes > config.maxIngressBytes()) {
            throw new HttpError(413, "Request " + request.requestId().toString().substring(2) + " is too large. "
                    + "Message byte size " + bodyBytes + " is larger than the max allowed "
                    + config.maxIngressBytes() + ".");
        }
        validator.validate(request, backend.timeNanos());

        boolean sync = route.version() >= 3;
        // Outside every range there is no replica to refuse the call (IC0301 comes from the
        // subnet's ingress filter, for ids in its range): the boundary node answers instead.
        SubnetPort port = Subnets.serving(backend, route.target(), effectiveId);
        DelegationFormat format = route.version() == 3 ? DelegationFormat.flat()
                : route.target() == Route.Target.SUBNET ? DelegationFormat.withoutRanges()
                : DelegationFormat.shardFor(effectiveId);

        if (sync) {
            CertifiedState known = port.certifiedState();
            if (known != null && known.ingressStatus(request.requestId()).isPresent()) {
                return certified(port, known, request, format);
            }
        }
        IngressCall call = new IngressCall(request.requestId(), request.sender(), canisterId, effectiveId,
                request.methodName(), request.arg(), request.ingressExpiryNanos());
        SubmitOutcome outcome = port.submit(call);
        if (outcome instanceof SubmitOutcome.Refused refused) {
            return rejection(refused.error(), sync);
        }
        if (!sync) {
            // ic4j's first poll comes at once and the next only a second later: answering after
            // execution lets that first poll find the result.
            Waits.upTo(port.whenTerminal(request.requestId()), config.asyncCallWait());
            return HttpReply.empty(202);
        }
        Optional<CertifiedState> done = Waits.upTo(port.whenTerminal(request.requestId()), config.syncCallWait());
        if (done.isEmpty()) {
            return HttpReply.text(202,
                    "Message did not complete execution and certification within the replica defined timeout.");
        }
        return certified(port, done.get(), request, format);
    }

    private static HttpReply certified(SubnetPort port, CertifiedState state, RequestEnvelope request,
            DelegationFormat format) throws HttpError {
        byte[] certificate;
        try {
            certificate = port.certifier().certificate(state, List.of(Path.of("request_status", request.requestId())),
                    format);
        } catch (IllegalStateException e) {
            return HttpReply.text(202, "Certified state is not available. Please try /read_state.");
        }
        return HttpReply.cbor(200, CborMap.builder().put("certificate", certificate).put("status", "replied").build());
    }

    /** The replica builds these maps from sorted keys; agents do not mind, but keep the order anyway. */
    private static HttpReply rejection(UserError error, boolean sync) {
        CborMap.Builder map = CborMap.builder()
                .put("error_code", error.code().text())
                .putUnsigned("reject_code", error.rejectCode().code())
                .put("reject_message", error.message());
        if (sync) {
            map.put("status", "non_replicated_rejection");
        }
        return HttpReply.cbor(200, map.build());
    }
}
