package org.replicator.coordinator.restore;

import org.replicator.coordinator.store.RestoreRecord;

/** What a restore reports while it works; the CLI shows it, tests may watch it. */
public interface RestoreProgress {
    default void state(RestoreRecord restore) {
    }

    default void step(String what) {
    }

    default void written(long chunksWritten, long chunksTotal) {
    }
}
