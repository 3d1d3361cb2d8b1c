package org.replicator.localnet.certification;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.crypto.BlsKeyPair;
import org.replicator.localnet.ids.CanisterIdRange;
import org.replicator.localnet.ids.Principal;

/**
 * Verifies certificates against a root key as agents do (spec "Certificate validation"): the
 * signature over the tree's root hash, and for delegated certificates the root-signed delegation,
 * the subnet key it vouches for and that the canister lies in the subnet's ranges (sharded
 * {@code /canister_ranges/<subnet>} first, then the flat {@code /subnet/<subnet>/canister_ranges}).
 */
public final class CertificateVerifier {
    private final byte[] rootKey;

    public CertificateVerifier(byte[] rootKeyDer) {
        this.rootKey = BlsKeyPair.fromDer(rootKeyDer);
    }

    /**
     * Verifies an encoded certificate.
     *
     * @param canisterId the canister the certificate must be authorised for, or {@code null} to
     *     skip the range check (subnet read_state)
     * @return the certified tree
     */
    public HashTree verify(byte[] encoded, Principal canisterId) throws CertificateException {
        Certificate certificate;
        try {
            certificate = Certificate.decode(encoded);
        } catch (CborException e) {
            throw new CertificateException("malformed certificate: " + e.getMessage(), e);
        }
        return verify(certificate, canisterId);
    }

    public HashTree verify(Certificate certificate, Principal canisterId) throws CertificateException {
        byte[] key = rootKey;
        Optional<Delegation> delegation = certificate.delegation();
        if (delegation.isPresent()) {
            key = delegatedKey(delegation.get(), canisterId);
        }
        byte[] message = Certificate.rootHashMessage(HashTreeCodec.rawDigest(certificate.tree()));
        if (!BlsKeyPair.verify(certificate.signature(), message, key)) {
            throw new CertificateException("the certificate's signature does not verify");
        }
        return certificate.tree();
    }

    private byte[] delegatedKey(Delegation delegation, Principal canisterId) throws CertificateException {
        Certificate inner;
        try {
            inner = Certificate.decode(delegation.certificate());
        } catch (CborException e) {
            throw new CertificateException("malformed delegation certificate: " + e.getMessage(), e);
        }
        if (inner.delegation().isPresent()) {
            throw new CertificateException("the delegation certificate has a delegation of its own");
        }
        HashTree tree = verify(inner, null);
        Principal subnet = delegation.subnetId();
        byte[] keyDer = found(tree.lookup(Path.of("subnet", subnet, "public_key")),
                "the delegation does not certify the subnet's public key");
        if (canisterId != null && !ranges(tree, subnet, canisterId).stream().anyMatch(r -> r.contains(canisterId))) {
            throw new CertificateException("canister " + canisterId + " is not in the ranges of subnet " + subnet);
        }
        try {
            return BlsKeyPair.fromDer(keyDer);
        } catch (IllegalArgumentException e) {
            throw new CertificateException("the delegated subnet key is not a BLS key");
        }
    }

    private static List<CanisterIdRange> ranges(HashTree tree, Principal subnet, Principal canisterId)
            throws CertificateException {
        HashTree.Lookup shards = tree.lookupSubtree(Path.of("canister_ranges", subnet));
        if (shards instanceof HashTree.Found found) {
            byte[] best = null;
            HashTree bestTree = null;
            for (HashTree node : found.tree().flattenForks()) {
                if (node instanceof HashTree.Labeled l
                        && Arrays.compareUnsigned(l.rawLabel(), canisterId.bytes()) <= 0) {
                    best = l.rawLabel();
                    bestTree = l.subtree();
                }
            }
            if (best != null && bestTree instanceof HashTree.Leaf leaf) {
                return decodeRanges(leaf.rawValue());
            }
        }
        byte[] flat = found(tree.lookup(Path.of("subnet", subnet, "canister_ranges")),
                "the delegation certifies no canister ranges");
        return decodeRanges(flat);
    }

    static List<CanisterIdRange> decodeRanges(byte[] encoded) throws CertificateException {
        try {
            CborValue value = CborReader.read(encoded);
            if (!(value instanceof CborArray array)) {
                throw new CertificateException("canister ranges are a CBOR array");
            }
            List<CanisterIdRange> out = new ArrayList<>();
            for (CborValue item : array.items()) {
                if (!(item instanceof CborArray pair) || pair.size() != 2
                        || !(pair.get(0) instanceof CborBytes lo) || !(pair.get(1) instanceof CborBytes hi)) {
                    throw new CertificateException("a canister range is a pair of principals");
                }
                out.add(new CanisterIdRange(Principal.of(lo.bytes()), Principal.of(hi.bytes())));
            }
            return out;
        } catch (CborException | IllegalArgumentException e) {
            throw new CertificateException("malformed canister ranges: " + e.getMessage(), e);
        }
    }

    private static byte[] found(HashTree.Lookup lookup, String otherwise) throws CertificateException {
        if (lookup instanceof HashTree.Found found && found.tree() instanceof HashTree.Leaf leaf) {
            return leaf.rawValue();
        }
        throw new CertificateException(otherwise);
    }
}
