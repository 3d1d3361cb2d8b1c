package org.replicator.coordinator.engine;

/**
 * A run that cannot be driven now, and the caller asked not to wait: another live coordinator holds
 * it, or the bound on concurrent runs is reached. The message names who or what is in the way.
 * Nothing was written.
 */
public final class RunBlocked extends RuntimeException {
    public RunBlocked(String message) {
        super(message);
    }
}
