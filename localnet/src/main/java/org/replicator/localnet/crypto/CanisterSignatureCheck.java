package org.replicator.localnet.crypto;

import org.replicator.localnet.ids.Principal;

/**
 * Verifies canister signatures (public key OID 1.3.6.1.4.1.56387.1.2). They are proved by a
 * certificate of the network itself, so the check lives with certification and is handed in.
 */
@FunctionalInterface
public interface CanisterSignatureCheck {
    /**
     * @param signingCanister the canister named in the public key
     * @param seed the rest of the public key after the canister id
     * @param message the signed bytes, domain separator included
     * @param signature the CBOR {@code {certificate, tree}} signature
     */
    void verify(Principal signingCanister, byte[] seed, byte[] message, byte[] signature)
            throws InvalidSignatureException;

    /** For verifiers that have no network to check against. */
    static CanisterSignatureCheck unsupported() {
        return (canister, seed, message, signature) -> {
            throw InvalidSignatureException.canister("canister signatures cannot be verified here");
        };
    }
}
