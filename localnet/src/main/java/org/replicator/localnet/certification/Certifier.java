package org.replicator.localnet.certification;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.ids.Principal;

/**
 * Signs a subnet's certified states. A subnet's certificates carry its own BLS signature; unless
 * the subnet is the root subnet they also carry the root subnet's delegation, a root-signed
 * certificate of the subnet's key, type and (depending on the endpoint) canister ranges.
 *
 * <p>Thread-safe: HTTP threads and the subnet thread share one certifier. Signatures are cached
 * per root hash (all witnesses of a state share the signed root hash), and delegations are cached
 * per format and rebuilt when the root state's routing data changes or they are older than the
 * refresh interval in certified time, like the replica's periodic NNS delegation refresh.
 */
public final class Certifier {
    public static final Duration DEFAULT_DELEGATION_REFRESH = Duration.ofMinutes(2);
    private static final int SIGNATURE_CACHE_SIZE = 64;

    private final BlsKeyPair key;
    private final Principal subnetId;
    private final byte[] publicKeyDer;
    private final Certifier root;
    private final Supplier<CertifiedState> rootState;
    private final long refreshNanos;
    private final Map<ByteBuffer, byte[]> signatures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, byte[]> eldest) {
            return size() > SIGNATURE_CACHE_SIZE;
        }
    };
    private final ConcurrentHashMap<String, CachedDelegation> delegations = new ConcurrentHashMap<>();

    private record CachedDelegation(Delegation delegation, long rootTimeNanos, byte[] routingDigest) {
    }

    private Certifier(BlsKeyPair key, Certifier root, Supplier<CertifiedState> rootState, Duration refresh) {
        this.key = key;
        this.publicKeyDer = key.publicKeyDer();
        this.subnetId = Principal.selfAuthenticating(publicKeyDer);
        this.root = root;
        this.rootState = rootState;
        this.refreshNanos = refresh.toNanos();
    }

    /** The root subnet's certifier: its key is the network's root key and it delegates to no one. */
    public static Certifier forRootSubnet(BlsKeyPair key) {
        return new Certifier(key, null, null, DEFAULT_DELEGATION_REFRESH);
    }

    /**
     * A certifier for a subnet other than the root subnet.
     *
     * @param rootCertifier signs the delegations
     * @param rootState the root subnet's latest certified state, which delegations are cut from
     */
    public static Certifier forSubnet(BlsKeyPair key, Certifier rootCertifier, Supplier<CertifiedState> rootState) {
        return forSubnet(key, rootCertifier, rootState, DEFAULT_DELEGATION_REFRESH);
    }

    public static Certifier forSubnet(BlsKeyPair key, Certifier rootCertifier, Supplier<CertifiedState> rootState,
            Duration delegationRefresh) {
        if (!rootCertifier.isRoot()) {
            throw new IllegalArgumentException("delegations come from the root subnet's certifier");
        }
        return new Certifier(key, rootCertifier, rootState, delegationRefresh);
    }

    /** The subnet id: the self-authenticating id of the subnet's DER public key. */
    public Principal subnetId() {
        return subnetId;
    }

    public boolean isRoot() {
        return root == null;
    }

    public byte[] publicKeyDer() {
        return publicKeyDer.clone();
    }

    /** A certificate (CBOR, tag 55799) revealing {@code paths} and {@code /time} of {@code state}. */
    public byte[] certificate(CertifiedState state, List<Path> paths, DelegationFormat format) {
        return certify(state, state.witness(paths), format).encode();
    }

    /** As {@link #certificate(CertifiedState, List, DelegationFormat)}, pruning nodes that match {@code pruned}. */
    public byte[] certificate(CertifiedState state, List<Path> paths, DelegationFormat format,
            Predicate<List<byte[]>> pruned) {
        return certify(state, state.witness(paths, pruned), format).encode();
    }

    /** Signs a witness cut from {@code state}. */
    public Certificate certify(CertifiedState state, HashTree witness, DelegationFormat format) {
        byte[] rootHash = state.rootHash();
        if (!Arrays.equals(rootHash, HashTreeCodec.rawDigest(witness))) {
            throw new IllegalArgumentException("the witness does not belong to this state");
        }
        return new Certificate(witness, signature(rootHash), delegation(format));
    }

    /**
     * The certificate {@code ic0.data_certificate_copy} hands a canister in a query: it reveals the
     * canister's certified data and {@code /time}, with the delegation in flat form.
     */
    public byte[] dataCertificate(CertifiedState state, Principal canisterId) {
        return dataCertificate(state, canisterId, DelegationFormat.flat());
    }

    /** As {@link #dataCertificate(CertifiedState, Principal)} with the delegation format of the query endpoint. */
    public byte[] dataCertificate(CertifiedState state, Principal canisterId, DelegationFormat format) {
        return certificate(state, List.of(Path.of("canister", canisterId, "certified_data")), format);
    }

    /** The root subnet's delegation to this subnet in the given format; empty for the root subnet itself. */
    public Optional<Delegation> delegation(DelegationFormat format) {
        if (isRoot()) {
            return Optional.empty();
        }
        CertifiedState rs = rootState.get();
        if (rs == null) {
            throw new IllegalStateException("the root subnet has not certified a state yet");
        }
        List<Path> paths = new ArrayList<>(List.of(
                Path.of("subnet", subnetId, "public_key"),
                Path.of("subnet", subnetId, "type")));
        String cacheKey;
        if (format instanceof DelegationFormat.Shard shard) {
            Optional<Principal> label = rs.canisterRangeShard(subnetId, shard.effectiveCanisterId());
            label.ifPresent(l -> paths.add(Path.of("canister_ranges", subnetId, l)));
            cacheKey = label.map(l -> "shard:" + l.toHex()).orElse("none");
        } else if (format instanceof DelegationFormat.Flat) {
            paths.add(Path.of("subnet", subnetId, "canister_ranges"));
            cacheKey = "flat";
        } else {
            cacheKey = "none";
        }
        byte[] routing = rs.routingDigest();
        CachedDelegation cached = delegations.compute(cacheKey, (k, old) -> {
            if (old != null && Arrays.equals(old.routingDigest, routing)
                    && rs.timeNanos() - old.rootTimeNanos < refreshNanos && rs.timeNanos() >= old.rootTimeNanos) {
                return old;
            }
            byte[] certificate = root.certificate(rs, paths, DelegationFormat.withoutRanges());
            return new CachedDelegation(new Delegation(subnetId, certificate), rs.timeNanos(), routing);
        });
        return Optional.of(cached.delegation);
    }

    private byte[] signature(byte[] rootHash) {
        ByteBuffer cacheKey = ByteBuffer.wrap(rootHash);
        synchronized (signatures) {
            byte[] cached = signatures.get(cacheKey);
            if (cached != null) {
                return cached;
            }
        }
        byte[] signature = key.sign(Certificate.rootHashMessage(rootHash));
        synchronized (signatures) {
            signatures.put(cacheKey, signature);
        }
        return signature;
    }

    @Override
    public String toString() {
        return "Certifier[" + subnetId + (isRoot() ? ", root" : "") + "]";
    }
}
