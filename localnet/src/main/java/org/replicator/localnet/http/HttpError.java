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

    /**
     * An effective canister id outside every subnet's canister ranges. On the IC no replica ever
     * sees such a request: the boundary node answers it for every endpoint, with this text.
     */
    static HttpError canisterNotFound() {
        return new HttpError(400, "error: canister_not_found\ndetails: The specified canister does not exist.");
    }

    /** An effective subnet id that names no subnet, answered like {@link #canisterNotFound()}. */
    static HttpError subnetNotFound() {
        return new HttpError(400, "error: subnet_not_found\ndetails: The specified subnet cannot be found.");
    }
}
