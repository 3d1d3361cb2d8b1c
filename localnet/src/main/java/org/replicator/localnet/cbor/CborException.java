package org.replicator.localnet.cbor;

/** The input is not well-formed CBOR, or not the shape the caller expected. */
public class CborException extends Exception {
    public CborException(String message) {
        super(message);
    }

    public CborException(String message, Throwable cause) {
        super(message, cause);
    }
}
