package org.replicator.localnet.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.replicator.localnet.certification.CanisterCertifiedInfo;
import org.replicator.localnet.certification.CertifiedState;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressStatus;

/**
 * Which read_state paths a sender may ask for (spec "Request: Read state" and the replica's
 * {@code verify_paths}): anything not listed is 404 {@code Invalid path requested.}; canister
 * paths must name the effective canister; request statuses belong to their sender and to the
 * delegation targets; private custom sections belong to the controllers.
 */
final class ReadStateAuthorizer {
    private final int version;
    private final Route.Target target;
    private final Principal effectiveId;
    private final Principal rootSubnetId;

    ReadStateAuthorizer(int version, Route.Target target, Principal effectiveId, Principal rootSubnetId) {
        this.version = version;
        this.target = target;
        this.effectiveId = effectiveId;
        this.rootSubnetId = rootSubnetId;
    }

    void authorize(List<Path> paths, Principal sender, CanisterTargets targets, CertifiedState state)
            throws HttpError {
        byte[] requestStatusId = null;
        byte[] rangesSubnet = null;
        for (Path path : paths) {
            List<byte[]> labels = path.labels();
            String first = labels.isEmpty() ? "" : text(labels.get(0));
            int size = labels.size();
            switch (first) {
                case "time" -> require(size == 1);
                case "api_boundary_nodes" -> require(size == 1 || size == 2
                        || (size == 3 && isOneOf(labels.get(2), "domain", "ipv4_address", "ipv6_address")));
                case "subnet" -> authorizeSubnetPath(labels);
                case "canister_ranges" -> {
                    require(target == Route.Target.SUBNET && size == 2);
                    if (rangesSubnet != null && !Arrays.equals(rangesSubnet, labels.get(1))) {
                        throw HttpError.badRequest("More than one subnet id exists in canister_ranges paths: "
                                + principalText(rangesSubnet) + " and " + principalText(labels.get(1)) + ".");
                    }
                    rangesSubnet = labels.get(1);
                }
                case "canister" -> authorizeCanisterPath(labels, sender, state);
                case "request_status" -> {
                    require(target == Route.Target.CANISTER || version == 3);
                    require(size == 2 || (size == 3 && isOneOf(labels.get(2), "status", "reply", "reject_code",
                            "reject_message", "error_code")));
                    requestStatusId = authorizeRequestStatus(labels.get(1), requestStatusId, sender, targets, state);
                }
                default -> throw invalidPath();
            }
        }
    }

    private void authorizeSubnetPath(List<byte[]> labels) throws HttpError {
        int size = labels.size();
        if (size == 1 || size == 2) {
            return;
        }
        String leaf = text(labels.get(2));
        switch (leaf) {
            case "public_key", "type" -> require(size == 3);
            case "node" -> require(size == 3 || size == 4 || (size == 5 && isOneOf(labels.get(4), "public_key")));
            case "canister_ranges" -> {
                require(size == 3);
                // v3 serves other subnets' ranges only in the sharded form under /canister_ranges.
                require(version == 2 || parsePrincipal(labels.get(1)).equals(rootSubnetId));
            }
            case "metrics" -> {
                require(size == 3 && target == Route.Target.SUBNET);
                verifySameId(parsePrincipal(labels.get(1)));
            }
            default -> throw invalidPath();
        }
    }

    private void authorizeCanisterPath(List<byte[]> labels, Principal sender, CertifiedState state)
            throws HttpError {
        require(target == Route.Target.CANISTER && labels.size() >= 3);
        String kind = text(labels.get(2));
        if (labels.size() == 3 && (kind.equals("controllers") || kind.equals("module_hash"))) {
            verifySameId(parsePrincipal(labels.get(1)));
            return;
        }
        require(labels.size() == 4 && kind.equals("metadata"));
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(labels.get(3))).toString();
        } catch (CharacterCodingException e) {
            throw HttpError.badRequest("Could not parse the custom section name: invalid utf-8 sequence.");
        }
        Principal canister = parsePrincipal(labels.get(1));
        verifySameId(canister);
        Optional<CanisterCertifiedInfo> info = state.canister(canister);
        if (info.isPresent() && info.get().isPrivateMetadata(name) && !info.get().controllers().contains(sender)) {
            throw HttpError.forbidden("Custom section " + truncate(name) + " can only be requested by the "
                    + "controllers of the canister.");
        }
    }

    private static byte[] authorizeRequestStatus(byte[] id, byte[] previous, Principal sender,
            CanisterTargets targets, CertifiedState state) throws HttpError {
        if (id.length != 32) {
            throw HttpError.badRequest("Invalid request id in paths. Maybe the request ID is not of 32 bytes "
                    + "in length?!");
        }
        if (previous != null && !Arrays.equals(previous, id)) {
            throw HttpError.badRequest("More than one non-unique request ID exists in request_status paths: "
                    + HexFormat.of().formatHex(previous) + " and " + HexFormat.of().formatHex(id) + ".");
        }
        Optional<IngressStatus> status = state.ingressStatus(RequestId.of(id));
        if (status.isPresent()) {
            if (!status.get().sender().equals(sender)) {
                throw HttpError.forbidden("The user tries to access Request ID not signed by the caller.");
            }
            if (!targets.contains(status.get().effectiveCanisterId())) {
                throw HttpError.forbidden("The user tries to access request IDs for canisters not belonging to "
                        + "sender delegation targets.");
            }
        }
        return id;
    }

    private void verifySameId(Principal requested) throws HttpError {
        if (!requested.equals(effectiveId)) {
            throw HttpError.badRequest("Effective principal id in URL " + effectiveId
                    + " does not match requested principal id: " + requested + ".");
        }
    }

    private static Principal parsePrincipal(byte[] bytes) throws HttpError {
        if (bytes.length > Principal.MAX_LENGTH) {
            throw HttpError.badRequest("Could not parse principal ID: the principal has " + bytes.length
                    + " bytes, at most 29 are allowed.");
        }
        return Principal.of(bytes);
    }

    private static String principalText(byte[] bytes) {
        return bytes.length > Principal.MAX_LENGTH ? HexFormat.of().formatHex(bytes) : Principal.of(bytes).toText();
    }

    private static boolean isOneOf(byte[] label, String... names) {
        String value = text(label);
        for (String name : names) {
            if (name.equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** Labels compared as UTF-8 text; non-text labels never match a name. */
    private static String text(byte[] label) {
        return new String(label, StandardCharsets.UTF_8);
    }

    private static String truncate(String name) {
        return name.length() <= 100 ? name : name.substring(0, 100);
    }

    private static void require(boolean allowed) throws HttpError {
        if (!allowed) {
            throw invalidPath();
        }
    }

    private static HttpError invalidPath() {
        return HttpError.notFound("Invalid path requested.");
    }
}
