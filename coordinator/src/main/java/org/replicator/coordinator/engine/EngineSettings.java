package org.replicator.coordinator.engine;

import java.time.Duration;

/**
 * How the engine paces itself: how often it asks replicas for progress, how long a run may take
 * before it is given up (it is resumable; the deadline only bounds one drive), how often a failing
 * call is retried with doubling backoff, and how long a coordinator's claim on a run lasts.
 * {@code outageWindow} is how long the engine waits out an unreachable network or database
 * (retrying with backoff from {@code firstBackoff} doubling up to {@code maxBackoff}) before it
 * gives up the drive; the run stays recorded either way.
 */
public record EngineSettings(Duration pollInterval, Duration runDeadline, int retries, Duration firstBackoff,
        int leaseSeconds, Duration outageWindow, Duration maxBackoff) {
    public static final Duration DEFAULT_OUTAGE_WINDOW = Duration.ofMinutes(10);

    public EngineSettings {
        if (outageWindow.isNegative()) {
            throw new IllegalArgumentException("the outage window cannot be negative: " + outageWindow);
        }
        if (maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("the longest backoff " + maxBackoff + " is shorter than the first "
                    + firstBackoff);
        }
    }

    public static EngineSettings defaults() {
        return new EngineSettings(Duration.ofMillis(200), Duration.ofMinutes(30), 5, Duration.ofMillis(200), 60,
                DEFAULT_OUTAGE_WINDOW, Duration.ofSeconds(5));
    }

    public EngineSettings withOutageWindow(Duration window) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, leaseSeconds, window, maxBackoff);
    }
}
