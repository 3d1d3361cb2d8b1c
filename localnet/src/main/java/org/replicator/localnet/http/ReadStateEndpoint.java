package org.replicator.localnet.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.DelegationFormat;
import org.replicator.localnet.ids.Principal;

/**
 * read_state ({@code /api/v2|v3/canister/<ecid>/read_state}, {@code /api/v2|v3/subnet/<esid>/read_state}):
 * a certificate revealing the requested paths and {@code /time}. v2 carries flat delegation
 * ranges; v3 canister read_state the shard of the effective canister, v3 subnet read_state none,
 * and v3 prunes other subnets' flat ranges from the tree.
 */
final class ReadStateEndpoint {
    private static final byte[] SUBNET = "subnet".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CANISTER_RANGES = "canister_ranges".getBytes(StandardCharsets.UTF_8);

    private final GatewayBackend backend;
    private final EnvelopeValidator validator;

    ReadStateEndpoint(GatewayBackend backend, EnvelopeValidator validator) {
        this.backend = backend;
        this.validator = validator;
    }

    HttpReply handle(Route route, Principal effectiveId, CborValue body) throws HttpError {
        RequestEnvelope request;
        try {
            request = RequestEnvelope.parse(body, RequestKind.READ_STATE);
        } catch (MalformedRequestException e) {
            throw HttpError.badRequest("Malformed request: " + e.getMessage());
        }
        CanisterTargets targets = validator.validate(request, backend.timeNanos());
        SubnetPort subnet = Subnets.serving(backend, route.target(), effectiveId);
        CertifiedState state = Subnets.requireCertifiedState(subnet);
        Principal rootSubnetId = Principal.selfAuthenticating(backend.rootKeyDer());
        new ReadStateAuthorizer(route.version(), route.target(), effectiveId, rootSubnetId)
                .authorize(request.paths(), request.sender(), targets, state);

        DelegationFormat format = route.version() == 2 ? DelegationFormat.flat()
                : route.target() == Route.Target.CANISTER ? DelegationFormat.shardFor(effectiveId)
                : DelegationFormat.withoutRanges();
        Predicate<List<byte[]>> pruned = route.version() == 2 ? path -> false
                : otherSubnetsFlatRanges(rootSubnetId.bytes());
        byte[] certificate;
        try {
            certificate = subnet.certifier().certificate(state, request.paths(), format, pruned);
        } catch (IllegalStateException e) {
            throw HttpError.unavailable("Certified state is not available yet. Please try again...");
        }
        return HttpReply.cbor(200, CborMap.builder().put("certificate", certificate).build());
    }

    /** {@code /subnet/<sid>/canister_ranges} of every subnet but the root subnet. */
    private static Predicate<List<byte[]>> otherSubnetsFlatRanges(byte[] rootSubnet) {
        return path -> path.size() == 3 && Arrays.equals(path.get(0), SUBNET)
                && !Arrays.equals(path.get(1), rootSubnet) && Arrays.equals(path.get(2), CANISTER_RANGES);
    }
}
