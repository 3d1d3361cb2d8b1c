package org.replicator.localnet.http;

/** The body parsed as CBOR but is not a request of the expected kind. */
public class MalformedRequestException extends Exception {
    public MalformedRequestException(String message) {
        super(message);
    }
}
