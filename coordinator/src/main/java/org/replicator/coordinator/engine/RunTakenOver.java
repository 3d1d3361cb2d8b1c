package org.replicator.coordinator.engine;

/**
 * This coordinator's lease on a run expired and another coordinator claimed it: this one stops
 * driving the run at once, leaving it to the new holder.
 */
public final class RunTakenOver extends RuntimeException {
    public RunTakenOver(String message) {
        super(message);
    }
}
