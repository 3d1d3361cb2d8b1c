package org.replicator.coordinator.users;

/** A user's request that was refused before anything changed; the reason tells an API which status to answer. */
public final class UserRefused extends RuntimeException {
    public enum Reason {
        UNKNOWN_USER, UNKNOWN_CANISTER, UNKNOWN_BACKUP, NOT_ALLOWED, NOT_OWNER, QUOTA, RATE_LIMITED,
        INSUFFICIENT_BALANCE, PAUSED, INVALID
    }

    private final Reason reason;

    public UserRefused(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
