package org.replicator.coordinator.engine;

/** A drive gave up waiting; the run is left in its recorded state, to be resumed. */
public final class RunDeadlineExceeded extends RuntimeException {
    public RunDeadlineExceeded(String message) {
        super(message);
    }
}
