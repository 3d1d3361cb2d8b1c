package org.replicator.coordinator.store;

/**
 * A state change whose precondition no longer holds: the row was not in the state the caller
 * read (another coordinator moved it, or the caller's view is stale). The transaction is rolled
 * back; the caller re-reads and decides again. This is what keeps two coordinators from both
 * advancing one run.
 */
public final class StaleStateException extends RuntimeException {
    public StaleStateException(String message) {
        super(message);
    }
}
