package org.replicator.localnet.certification;

import java.util.Optional;
import java.util.Set;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.cbor.CborText;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.cbor.CborWriter;
import org.replicator.localnet.ids.Principal;

/**
 * A certificate: a hash tree, the BLS signature over {@code "\x0Dic-state-root" · root hash} and,
 * for subnets other than the root subnet, the root's delegation. ic4j refuses unknown keys, so the
 * map holds exactly {@code tree}, {@code signature} and, when present, {@code delegation}.
 */
public final class Certificate {
    private static final Set<String> FIELDS = Set.of("tree", "signature", "delegation");
    private final HashTree tree;
    private final byte[] signature;
    private final Delegation delegation;

    public Certificate(HashTree tree, byte[] signature, Optional<Delegation> delegation) {
        this.tree = tree;
        this.signature = signature.clone();
        this.delegation = delegation.orElse(null);
    }

    public HashTree tree() {
        return tree;
    }

    public byte[] signature() {
        return signature.clone();
    }

    public Optional<Delegation> delegation() {
        return Optional.ofNullable(delegation);
    }

    /** The CBOR encoding with tag 55799, as every certificate on the IC is sent. */
    public byte[] encode() {
        CborMap.Builder map = CborMap.builder().put("tree", tree.toCbor()).put("signature", signature);
        if (delegation != null) {
            map.put("delegation", delegation.toCbor());
        }
        return CborWriter.encode(map.build(), true);
    }

    public static Certificate decode(byte[] encoded) throws CborException {
        if (!(CborReader.read(encoded) instanceof CborMap map)) {
            throw new CborException("a certificate is a CBOR map");
        }
        for (CborValue key : map.entries().keySet()) {
            if (!(key instanceof CborText name) || !FIELDS.contains(name.value())) {
                throw new CborException("unknown certificate field " + key);
            }
        }
        HashTree tree = HashTree.fromCbor(map.require("tree"));
        byte[] signature = map.requireBytes("signature");
        Delegation delegation = null;
        if (map.get("delegation").isPresent()) {
            CborMap d = map.requireMap("delegation");
            byte[] subnetId = d.requireBytes("subnet_id");
            if (subnetId.length > Principal.MAX_LENGTH) {
                throw new CborException("the delegation's subnet id is too long");
            }
            delegation = new Delegation(Principal.of(subnetId), d.requireBytes("certificate"));
        }
        return new Certificate(tree, signature, Optional.ofNullable(delegation));
    }

    static byte[] rootHashMessage(byte[] rootHash) {
        byte[] separator = Digests.domainSeparator("ic-state-root");
        byte[] message = new byte[separator.length + rootHash.length];
        System.arraycopy(separator, 0, message, 0, separator.length);
        System.arraycopy(rootHash, 0, message, separator.length, rootHash.length);
        return message;
    }
}
