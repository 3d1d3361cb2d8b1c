package org.replicator.localnet.crypto;

/**
 * A public key or signature that does not verify. The message reads like the replica's
 * authentication errors ({@code Invalid public key: …}, {@code Invalid basic signature: …},
 * {@code Invalid canister signature: …}, {@code WebAuthn error: …}) so the HTTP layer can pass it on.
 */
public class InvalidSignatureException extends Exception {
    public InvalidSignatureException(String message) {
        super(message);
    }

    static InvalidSignatureException publicKey(String detail) {
        return new InvalidSignatureException("Invalid public key: " + detail);
    }

    static InvalidSignatureException basic(String detail) {
        return new InvalidSignatureException("Invalid basic signature: " + detail);
    }

    public static InvalidSignatureException canister(String detail) {
        return new InvalidSignatureException("Invalid canister signature: " + detail);
    }

    static InvalidSignatureException webAuthn(String detail) {
        return new InvalidSignatureException("WebAuthn error: " + detail);
    }
}
