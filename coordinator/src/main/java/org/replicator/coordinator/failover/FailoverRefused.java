package org.replicator.coordinator.failover;

/** A promotion, fence or fail-back that cannot be done as asked; nothing was changed by it. */
public final class FailoverRefused extends RuntimeException {
    public FailoverRefused(String message) {
        super(message);
    }
}
