package org.replicator.coordinator.engine;

/** A run that cannot start as asked (no replicas, budget too small, one already open); nothing was written. */
public final class RunRefused extends RuntimeException {
    public RunRefused(String message) {
        super(message);
    }
}
