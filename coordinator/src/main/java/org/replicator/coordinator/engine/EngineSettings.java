package org.replicator.coordinator.engine;

import java.time.Duration;

/**
 * How the engine paces itself: how often it asks replicas for progress, how long a run may take
 * before it is given up (it is resumable; the deadline only bounds one drive), how often a failing
 * call is retried with doubling backoff, how long a coordinator's claim on a run lasts without a
 * heartbeat, and how many runs all coordinators sharing the database drive at once.
 */
public record EngineSettings(Duration pollInterval, Duration runDeadline, int retries, Duration firstBackoff,
        int leaseSeconds, int maxConcurrentRuns) {
    public static final int DEFAULT_MAX_CONCURRENT_RUNS = 4;

    public EngineSettings {
        if (leaseSeconds < 1) {
            throw new IllegalArgumentException("the lease must last at least 1 second, not " + leaseSeconds);
        }
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("the bound on concurrent runs must be at least 1, not "
                    + maxConcurrentRuns);
        }
    }

    public static EngineSettings defaults() {
        return new EngineSettings(Duration.ofMillis(200), Duration.ofMinutes(30), 5, Duration.ofMillis(200), 60,
                DEFAULT_MAX_CONCURRENT_RUNS);
    }

    public EngineSettings withLeaseSeconds(int seconds) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, seconds, maxConcurrentRuns);
    }

    public EngineSettings withMaxConcurrentRuns(int runs) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, leaseSeconds, runs);
    }
}
