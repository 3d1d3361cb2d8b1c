package org.replicator.coordinator.placement;

/** No subnet may take the replica as asked; the message says why and what to do instead. */
public final class PlacementRefused extends RuntimeException {
    public PlacementRefused(String message) {
        super(message);
    }
}
