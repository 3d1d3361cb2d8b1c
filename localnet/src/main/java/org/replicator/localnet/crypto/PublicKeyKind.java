package org.replicator.localnet.crypto;

/** The kinds of DER public keys the IC accepts as a request sender or delegation key. */
public enum PublicKeyKind {
    ED25519,
    ECDSA_P256,
    ECDSA_SECP256K1,
    WEBAUTHN,
    CANISTER_SIGNATURE
}
