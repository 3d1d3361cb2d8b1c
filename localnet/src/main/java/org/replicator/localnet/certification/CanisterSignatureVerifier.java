package org.replicator.localnet.certification;

import java.security.MessageDigest;
import java.util.Arrays;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.crypto.CanisterSignatureCheck;
import org.replicator.localnet.crypto.InvalidSignatureException;
import org.replicator.localnet.ids.Principal;

/**
 * Canister signatures (spec "Canister signatures") checked against this network's own root key:
 * the signature is {@code {certificate, tree}}; the certificate must verify (with a delegation
 * covering the signing canister when it lives on another subnet), the canister's certified data in
 * it must equal the tree's root hash, and the tree must hold an empty leaf at
 * {@code /sig/<sha256(seed)>/<sha256(message)>}.
 */
public final class CanisterSignatureVerifier implements CanisterSignatureCheck {
    private final CertificateVerifier certificates;

    public CanisterSignatureVerifier(byte[] rootKeyDer) {
        this.certificates = new CertificateVerifier(rootKeyDer);
    }

    @Override
    public void verify(Principal signingCanister, byte[] seed, byte[] message, byte[] signature)
            throws InvalidSignatureException {
        byte[] certificateBytes;
        HashTree tree;
        try {
            if (!(CborReader.read(signature) instanceof CborMap map)) {
                throw InvalidSignatureException.canister("the signature is not a CBOR map");
            }
            certificateBytes = map.requireBytes("certificate");
            tree = HashTree.fromCbor(map.require("tree"));
        } catch (CborException e) {
            throw InvalidSignatureException.canister("malformed signature: " + e.getMessage());
        }
        HashTree certified;
        try {
            certified = certificates.verify(certificateBytes, signingCanister);
        } catch (CertificateException e) {
            throw InvalidSignatureException.canister("the certificate does not verify: " + e.getMessage());
        }
        HashTree.Lookup data = certified.lookup(Path.of("canister", signingCanister, "certified_data"));
        if (!(data instanceof HashTree.Found found) || !Arrays.equals(found.value(), tree.digest())) {
            throw InvalidSignatureException.canister("the certified data of " + signingCanister
                    + " does not match the signature tree");
        }
        HashTree.Lookup leaf = tree.lookup(Path.of("sig", sha256(seed), sha256(message)));
        if (!(leaf instanceof HashTree.Found sig) || sig.value().length != 0) {
            throw InvalidSignatureException.canister("the signature tree does not contain the signed message");
        }
    }

    private static byte[] sha256(byte[] data) {
        MessageDigest digest = Digests.sha256();
        return digest.digest(data);
    }
}
