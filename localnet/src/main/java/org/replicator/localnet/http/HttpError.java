package org.replicator.localnet.http;

/** A request the gateway answers with a plain-text HTTP error, as the replica does. */
public class HttpError extends Exception {
    private final int status;

    public HttpError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    static HttpError forbidden(String message) {
        return new HttpError(403, message);
    }

    static HttpError notFound(String message) {
        return new HttpError(404, message);
    }

    static HttpError unavailable(String message) {
        return new HttpError(503, message);
    }
}
