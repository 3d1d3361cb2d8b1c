package org.replicator.coordinator.engine;

import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Run;

/** What the engine reports while it drives a run, for progress bars and logs. */
public interface RunProgress {
    RunProgress SILENT = new RunProgress() {
    };

    default void state(Run run) {
    }

    default void pulled(long runId, PrincipalId replica, long chunksDone, long chunksTotal, long bytes) {
    }
}
