package org.replicator.localnet.http;

import java.nio.charset.StandardCharsets;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.cbor.CborWriter;

/** A response the gateway sends: status, content type (null for none) and body. */
record HttpReply(int status, String contentType, byte[] body) {
    static final String CBOR = "application/cbor";
    static final String TEXT = "text/plain; charset=utf-8";

    /** A CBOR body behind the self-describe tag, as every replica CBOR response is. */
    static HttpReply cbor(int status, CborValue value) {
        return new HttpReply(status, CBOR, CborWriter.encode(value, true));
    }

    static HttpReply text(int status, String text) {
        return new HttpReply(status, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    static HttpReply empty(int status) {
        return new HttpReply(status, null, new byte[0]);
    }
}
