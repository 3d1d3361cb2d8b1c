package org.replicator.coordinator.replica;

/** A replica command that cannot be done as asked; nothing was created or written. */
public final class ReplicaRefused extends RuntimeException {
    public ReplicaRefused(String message) {
        super(message);
    }
}
