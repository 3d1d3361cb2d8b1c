package org.replicator.coordinator.agent;

/** An identity file that cannot be used; the message names the file and what to do about it. */
public final class IdentityException extends RuntimeException {
    public IdentityException(String message) {
        super(message);
    }

    public IdentityException(String message, Throwable cause) {
        super(message, cause);
    }
}
