package org.replicator.coordinator.restore;

/** A restore that cannot be done as asked; nothing was written to any canister. */
public final class RestoreRefused extends RuntimeException {
    public RestoreRefused(String message) {
        super(message);
    }
}
