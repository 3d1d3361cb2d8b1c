package org.replicator.coordinator.engine;

import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Run;

/** What the engine reports while it drives a run, for progress bars and logs. */
public interface RunProgress {
    RunProgress SILENT = new RunProgress() {
    };

    default void state(Run run) {
    }

    /** The run cannot be driven yet (held by a live coordinator, or the bound is reached): what it waits for. */
    default void waiting(String why) {
    }

    default void pulled(long runId, PrincipalId replica, long chunksDone, long chunksTotal, long bytes) {
    }
}
