package org.replicator.coordinator.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Run;

/** A progress stream the restart tests watch: what the engine said, in order, and conditions on it. */
final class RecordingProgress implements RunProgress {
    private final List<String> events = new ArrayList<>();
    private long partWayChunks = -1;

    @Override
    public synchronized void state(Run run) {
        events.add("state " + run.state().name().toLowerCase());
    }

    @Override
    public synchronized void pulled(long runId, PrincipalId replica, long done, long total, long bytes) {
        if (done > 0 && done < total && partWayChunks < 0) {
            partWayChunks = done;
            events.add("part way " + done + "/" + total);
        }
    }

    @Override
    public synchronized void outage(Outage outage, Instant until, String failure) {
        events.add("outage " + outage);
    }

    @Override
    public synchronized void recovered(Outage outage, Duration lasted) {
        events.add("recovered " + outage);
    }

    /** Chunks a replica had pulled when one was first seen part way through, or -1. */
    synchronized long partWayChunks() {
        return partWayChunks;
    }

    synchronized List<String> events() {
        return List.copyOf(events);
    }

    synchronized long count(String event) {
        return events.stream().filter(event::equals).count();
    }

    /** Polls a condition until it holds or the deadline passes. */
    static void await(String what, Duration within, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(within);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
