package org.replicator.localnet.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.certification.Path;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;

/**
 * A request envelope (spec "Envelope"): the {@code content} with its request id, and the
 * optional {@code sender_pubkey}, {@code sender_sig} and {@code sender_delegation}. Parsing
 * checks structure only; {@link EnvelopeValidator} checks expiry and authentication.
 */
public final class RequestEnvelope {
    private final RequestKind kind;
    private final CborMap content;
    private final RequestId requestId;
    private final Principal sender;
    private final long ingressExpiryNanos;
    private final byte[] nonce;
    private final Principal canisterId;
    private final String methodName;
    private final byte[] arg;
    private final List<Path> paths;
    private final byte[] senderPubkey;
    private final byte[] senderSig;
    private final List<SignedDelegation> delegations;

    private RequestEnvelope(RequestKind kind, CborMap content, Principal sender, long ingressExpiryNanos,
            byte[] nonce, Principal canisterId, String methodName, byte[] arg, List<Path> paths,
            byte[] senderPubkey, byte[] senderSig, List<SignedDelegation> delegations) {
        this.kind = kind;
        this.content = content;
        this.requestId = RequestIds.of(content);
        this.sender = sender;
        this.ingressExpiryNanos = ingressExpiryNanos;
        this.nonce = nonce;
        this.canisterId = canisterId;
        this.methodName = methodName;
        this.arg = arg;
        this.paths = paths;
        this.senderPubkey = senderPubkey;
        this.senderSig = senderSig;
        this.delegations = delegations;
    }

    /** Parses a decoded CBOR body as a request of {@code kind}. */
    public static RequestEnvelope parse(CborValue body, RequestKind kind) throws MalformedRequestException {
        try {
            return parseChecked(body, kind);
        } catch (CborException | IllegalArgumentException e) {
            throw new MalformedRequestException(e.getMessage());
        }
    }

    private static RequestEnvelope parseChecked(CborValue body, RequestKind kind)
            throws CborException, MalformedRequestException {
        if (!(body instanceof CborMap envelope)) {
            throw new MalformedRequestException("invalid type: " + body.kind() + ", expected an envelope map");
        }
        CborMap content = envelope.requireMap("content");
        String requestType = content.requireText("request_type");
        if (!requestType.equals(kind.requestType())) {
            throw new MalformedRequestException("unknown variant `" + requestType + "`, expected `"
                    + kind.requestType() + "`");
        }
        Principal sender = principal(content.requireBytes("sender"), "sender");
        long expiry = content.requireUnsigned("ingress_expiry");
        byte[] nonce = content.optionalBytes("nonce").orElse(null);
        Principal canisterId = null;
        String methodName = null;
        byte[] arg = null;
        List<Path> paths = List.of();
        if (kind == RequestKind.READ_STATE) {
            paths = paths(content.requireArray("paths"));
        } else {
            canisterId = principal(content.requireBytes("canister_id"), "canister_id");
            methodName = content.requireText("method_name");
            arg = content.requireBytes("arg");
            if (content.has("sender_info")) {
                CborMap senderInfo = content.requireMap("sender_info");
                senderInfo.requireBytes("info");
                senderInfo.requireBytes("sig");
            }
        }
        byte[] pubkey = envelope.optionalBytes("sender_pubkey").orElse(null);
        byte[] sig = envelope.optionalBytes("sender_sig").orElse(null);
        List<SignedDelegation> delegations = List.of();
        boolean hasDelegations = envelope.has("sender_delegation");
        if (hasDelegations) {
            delegations = delegations(envelope.requireArray("sender_delegation"));
        }
        // Like the replica: either a public key and a signature (delegations optional), or none of them.
        if ((pubkey == null) != (sig == null) || (pubkey == null && hasDelegations)) {
            throw new MalformedRequestException("sender_pubkey, sender_sig and sender_delegation must be given "
                    + "together (sender_delegation optional) or not at all");
        }
        return new RequestEnvelope(kind, content, sender, expiry, nonce, canisterId, methodName, arg, paths,
                pubkey, sig, delegations);
    }

    private static List<Path> paths(CborArray array) throws CborException {
        List<Path> paths = new ArrayList<>(array.size());
        for (CborValue path : array.items()) {
            if (!(path instanceof CborArray labels)) {
                throw new CborException("invalid type: " + path.kind() + ", expected a path (array of byte strings)");
            }
            List<byte[]> out = new ArrayList<>(labels.size());
            for (CborValue label : labels.items()) {
                if (!(label instanceof CborBytes bytes)) {
                    throw new CborException("invalid type: " + label.kind() + ", expected a path label (byte string)");
                }
                out.add(bytes.bytes());
            }
            paths.add(Path.ofLabels(out));
        }
        return Collections.unmodifiableList(paths);
    }

    private static List<SignedDelegation> delegations(CborArray array) throws CborException {
        List<SignedDelegation> out = new ArrayList<>(array.size());
        for (CborValue item : array.items()) {
            if (!(item instanceof CborMap signed)) {
                throw new CborException("invalid type: " + item.kind() + ", expected a signed delegation");
            }
            CborMap delegation = signed.requireMap("delegation");
            byte[] pubkey = delegation.requireBytes("pubkey");
            long expiration = delegation.requireUnsigned("expiration");
            Optional<List<Principal>> targets = Optional.empty();
            if (delegation.has("targets")) {
                List<Principal> list = new ArrayList<>();
                for (CborValue target : delegation.requireArray("targets").items()) {
                    if (!(target instanceof CborBytes bytes)) {
                        throw new CborException("invalid type: " + target.kind() + ", expected a principal");
                    }
                    list.add(principal(bytes.bytes(), "targets"));
                }
                targets = Optional.of(Collections.unmodifiableList(list));
            }
            out.add(new SignedDelegation(pubkey, expiration, targets, signed.requireBytes("signature"), delegation));
        }
        return Collections.unmodifiableList(out);
    }

    private static Principal principal(byte[] bytes, String field) throws CborException {
        if (bytes.length > Principal.MAX_LENGTH) {
            throw new CborException("`" + field + "` is not a principal: " + bytes.length + " bytes, at most 29");
        }
        return Principal.of(bytes);
    }

    public RequestKind kind() {
        return kind;
    }

    public CborMap content() {
        return content;
    }

    public RequestId requestId() {
        return requestId;
    }

    public Principal sender() {
        return sender;
    }

    /** Nanoseconds since the epoch, as an unsigned 64-bit value. */
    public long ingressExpiryNanos() {
        return ingressExpiryNanos;
    }

    public Optional<byte[]> nonce() {
        return Optional.ofNullable(nonce).map(byte[]::clone);
    }

    int nonceLength() {
        return nonce == null ? 0 : nonce.length;
    }

    /** The addressed canister; {@code null} for read_state. */
    public Principal canisterId() {
        return canisterId;
    }

    public String methodName() {
        return methodName;
    }

    public byte[] arg() {
        return arg == null ? null : arg.clone();
    }

    public List<Path> paths() {
        return paths;
    }

    public boolean isSigned() {
        return senderPubkey != null;
    }

    public byte[] senderPubkey() {
        return senderPubkey == null ? null : senderPubkey.clone();
    }

    public byte[] senderSig() {
        return senderSig == null ? null : senderSig.clone();
    }

    public List<SignedDelegation> delegations() {
        return delegations;
    }
}
