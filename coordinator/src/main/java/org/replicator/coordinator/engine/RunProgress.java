package org.replicator.coordinator.engine;

import java.time.Duration;
import java.time.Instant;
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

    /**
     * The network or the database went away ({@code failure}: the first failure's reason); the engine
     * retries until {@code until}. Once per outage.
     */
    default void outage(Outage outage, Instant until, String failure) {
    }

    /**
     * A replica that paused with {@code why} (LOW_CYCLES) was topped up by {@code cycles}, the
     * {@code nth} top-up of it in this drive, and is resumed.
     */
    default void toppedUp(long runId, PrincipalId replica, java.math.BigInteger cycles, int nth, String why) {
    }

    /** The outage reported by {@link #outage} is over after {@code lasted}. */
    default void recovered(Outage outage, Duration lasted) {
    }
}
