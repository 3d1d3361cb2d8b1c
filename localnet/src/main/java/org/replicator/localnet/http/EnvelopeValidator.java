package org.replicator.localnet.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.replicator.localnet.crypto.InvalidSignatureException;
import org.replicator.localnet.crypto.RequestSignatureVerifier;
import org.replicator.localnet.ids.Principal;

/**
 * Checks a parsed request the way the replica's ingress validator does, in the same order and
 * with the same texts (every failure is a 400):
 * <ol>
 *   <li>read_state: at most 1000 paths of at most 127 labels;</li>
 *   <li>{@code ingress_expiry} within {@code [now, now + 5 min + 30 s]} (skipped for anonymous
 *       queries and read_state); agent-js resyncs its clock on the {@code Invalid request expiry: }
 *       prefix;</li>
 *   <li>nonce of at most 32 bytes;</li>
 *   <li>the sender: anonymous without signature, or the self-authenticating id of
 *       {@code sender_pubkey} with a valid signature;</li>
 *   <li>the delegation chain: at most 20 links, none expired, no public key twice, at most 1000
 *       targets each, each link signed by the previous key;</li>
 *   <li>for calls and queries, the addressed canister among the delegations' targets.</li>
 * </ol>
 */
public final class EnvelopeValidator {
    public static final long MAX_INGRESS_TTL_NANOS = TimeUnit.MINUTES.toNanos(5);
    public static final long PERMITTED_DRIFT_NANOS = TimeUnit.SECONDS.toNanos(30);
    public static final int MAX_DELEGATIONS = 20;
    public static final int MAX_TARGETS_PER_DELEGATION = 1000;
    public static final int MAX_NONCE_BYTES = 32;
    public static final int MAX_PATHS = 1000;
    public static final int MAX_LABELS_PER_PATH = 127;

    static final byte[] REQUEST_DOMAIN = domain("ic-request");
    static final byte[] DELEGATION_DOMAIN = domain("ic-request-auth-delegation");

    private final RequestSignatureVerifier signatures;

    public EnvelopeValidator(RequestSignatureVerifier signatures) {
        this.signatures = signatures;
    }

    /**
     * Validates {@code request} at replica time {@code nowNanos} and returns the canisters its
     * delegations allow (all canisters without delegations).
     */
    public CanisterTargets validate(RequestEnvelope request, long nowNanos) throws HttpError {
        boolean anonymous = request.sender().isAnonymous();
        if (request.kind() == RequestKind.READ_STATE) {
            checkPaths(request);
        }
        if (request.kind() == RequestKind.CALL || !anonymous) {
            checkExpiry(request.ingressExpiryNanos(), nowNanos);
        }
        if (request.nonceLength() > MAX_NONCE_BYTES) {
            throw HttpError.badRequest("Nonce in request is too big: got " + request.nonceLength()
                    + " bytes, but at most " + MAX_NONCE_BYTES + " are allowed.");
        }
        CanisterTargets targets = checkSenderAndSignature(request, nowNanos);
        if (request.kind() != RequestKind.READ_STATE && !targets.contains(request.canisterId())) {
            throw HttpError.badRequest("Canister '" + request.canisterId() + "' is not one of the delegation targets.");
        }
        return targets;
    }

    private static void checkPaths(RequestEnvelope request) throws HttpError {
        if (request.paths().size() > MAX_PATHS) {
            throw HttpError.badRequest("Too many paths in read state request: got " + request.paths().size()
                    + " paths, but at most " + MAX_PATHS + " are allowed.");
        }
        for (var path : request.paths()) {
            if (path.size() > MAX_LABELS_PER_PATH) {
                throw HttpError.badRequest("At least one path in read state request is too deep: got " + path.size()
                        + " labels, but at most " + MAX_LABELS_PER_PATH + " are allowed.");
            }
        }
    }

    static void checkExpiry(long expiry, long now) throws HttpError {
        long max = now + MAX_INGRESS_TTL_NANOS + PERMITTED_DRIFT_NANOS;
        if (Long.compareUnsigned(expiry, now) < 0 || Long.compareUnsigned(expiry, max) > 0) {
            throw HttpError.badRequest("Invalid request expiry: Specified ingress_expiry not within expected range: "
                    + "Minimum allowed expiry: " + IcTime.format(now) + ", "
                    + "Maximum allowed expiry: " + IcTime.format(max) + ", "
                    + "Provided expiry:        " + IcTime.format(expiry));
        }
    }

    private CanisterTargets checkSenderAndSignature(RequestEnvelope request, long now) throws HttpError {
        Principal sender = request.sender();
        if (!request.isSigned()) {
            if (sender.isAnonymous()) {
                return CanisterTargets.all();
            }
            throw HttpError.badRequest("Missing signature from user: " + sender);
        }
        if (sender.isAnonymous()) {
            throw HttpError.badRequest("Signature is not allowed for the anonymous user.");
        }
        byte[] senderPubkey = request.senderPubkey();
        if (!sender.equals(Principal.selfAuthenticating(senderPubkey))) {
            throw HttpError.badRequest("The user id '" + sender + "' does not match the public key '"
                    + HexFormat.of().formatHex(senderPubkey) + "'");
        }
        List<SignedDelegation> chain = request.delegations();
        if (chain.size() > MAX_DELEGATIONS) {
            throw HttpError.badRequest("Invalid delegation: Chain of delegations is too long: got " + chain.size()
                    + " delegations, but at most " + MAX_DELEGATIONS + " are allowed.");
        }
        for (SignedDelegation link : chain) {
            if (Long.compareUnsigned(link.expirationNanos(), now) < 0) {
                throw HttpError.badRequest("Invalid delegation expiry: Specified sender delegation has expired:\n"
                        + "Provided expiry:    " + IcTime.format(link.expirationNanos()) + "\n"
                        + "Local replica time: " + IcTime.format(now));
            }
        }
        Set<ByteBuffer> seen = new HashSet<>();
        seen.add(ByteBuffer.wrap(senderPubkey));
        for (SignedDelegation link : chain) {
            if (!seen.add(ByteBuffer.wrap(link.pubkey()))) {
                throw HttpError.badRequest("Invalid delegation: Chain of delegations contains at least one cycle: "
                        + "first repeating public key encountered " + HexFormat.of().formatHex(link.pubkey()));
            }
        }
        for (SignedDelegation link : chain) {
            int count = link.targets().map(t -> new HashSet<>(t).size()).orElse(0);
            if (count > MAX_TARGETS_PER_DELEGATION) {
                throw HttpError.badRequest("Invalid delegation: Delegation target error: expected at most "
                        + MAX_TARGETS_PER_DELEGATION + " targets per delegation, but got " + count);
            }
        }
        CanisterTargets targets = CanisterTargets.all();
        byte[] signer = senderPubkey;
        for (SignedDelegation link : chain) {
            byte[] signed = concat(DELEGATION_DOMAIN, RequestIds.hashOfMap(link.delegation()));
            try {
                signatures.verify(signer, signed, link.signature());
            } catch (InvalidSignatureException e) {
                throw HttpError.badRequest("Invalid delegation: " + e.getMessage());
            }
            if (link.targets().isPresent()) {
                targets = targets.intersect(CanisterTargets.of(new HashSet<>(link.targets().get())));
            }
            signer = link.pubkey();
        }
        try {
            signatures.verify(signer, concat(REQUEST_DOMAIN, request.requestId().bytes()), request.senderSig());
        } catch (InvalidSignatureException e) {
            throw HttpError.badRequest("Invalid signature: " + e.getMessage());
        }
        return targets;
    }

    static byte[] domain(String name) {
        byte[] ascii = name.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[ascii.length + 1];
        out[0] = (byte) ascii.length;
        System.arraycopy(ascii, 0, out, 1, ascii.length);
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
