package org.replicator.localnet.http;

/** The three kinds of signed requests, by their {@code request_type}. */
public enum RequestKind {
    CALL("call"),
    QUERY("query"),
    READ_STATE("read_state");

    private final String requestType;

    RequestKind(String requestType) {
        this.requestType = requestType;
    }

    public String requestType() {
        return requestType;
    }
}
