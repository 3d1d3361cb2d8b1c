package org.replicator.coordinator.engine;

import java.time.Duration;

/**
 * How the engine paces itself: how often it asks replicas for progress, how long a run may take
 * before it is given up (it is resumable; the deadline only bounds one drive), how often a failing
 * call is retried with doubling backoff, and how long a coordinator's claim on a run lasts.
 */
public record EngineSettings(Duration pollInterval, Duration runDeadline, int retries, Duration firstBackoff,
        int leaseSeconds) {
    public static EngineSettings defaults() {
        return new EngineSettings(Duration.ofMillis(200), Duration.ofMinutes(30), 5, Duration.ofMillis(200), 60);
    }
}
