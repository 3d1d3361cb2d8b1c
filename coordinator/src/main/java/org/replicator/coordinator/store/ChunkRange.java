package org.replicator.coordinator.store;

import org.replicator.coordinator.ids.PrincipalId;

/** Progress of one replica's pull over chunks {@code first..last} (inclusive) of a run. */
public record ChunkRange(long run, PrincipalId replica, int first, int last, State state, int attempts, long bytes) {

    public enum State {
        PENDING, REQUESTED, DONE, FAILED;

        String column() {
            return name().toLowerCase();
        }

        static State of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    public int chunks() {
        return last - first + 1;
    }
}
