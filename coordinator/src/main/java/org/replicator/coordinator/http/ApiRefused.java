package org.replicator.coordinator.http;

import java.time.Duration;
import java.util.Optional;

/**
 * A request the users API refuses: the HTTP status, a reason code clients can act on, and a message
 * saying what was wrong and what to do. Served as {@code {"error": message, "reason": reason}}.
 */
public final class ApiRefused extends RuntimeException {
    private final int status;
    private final String reason;
    private final Optional<Duration> retryAfter;

    public ApiRefused(int status, String reason, String message, Optional<Duration> retryAfter) {
        super(message);
        this.status = status;
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public ApiRefused(int status, String reason, String message) {
        this(status, reason, message, Optional.empty());
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
