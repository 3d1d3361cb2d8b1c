package org.replicator.coordinator.engine;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Optional;

/**
 * How the engine paces itself: how often it asks replicas for progress, how long a run may take
 * before it is given up (it is resumable; the deadline only bounds one drive), how often a failing
 * call is retried with doubling backoff, how long a coordinator's claim on a run lasts without a
 * heartbeat, and how many runs all coordinators sharing the database drive at once.
 * {@code outageWindow} is how long the engine waits out an unreachable network or database
 * (retrying with backoff from {@code firstBackoff} doubling up to {@code maxBackoff}) before it
 * gives up the drive; the run stays recorded either way. {@code topUp}, when present, is how many
 * cycles the engine adds to a replica whose backup canister paused with {@code LOW_CYCLES} before
 * it resumes it (at most {@code retries} times per replica and drive); when empty such a replica's
 * part fails, saying how to top it up.
 */
public record EngineSettings(Duration pollInterval, Duration runDeadline, int retries, Duration firstBackoff,
        int leaseSeconds, int maxConcurrentRuns, Duration outageWindow, Duration maxBackoff,
        Optional<BigInteger> topUp) {
    public static final int DEFAULT_MAX_CONCURRENT_RUNS = 4;
    public static final Duration DEFAULT_OUTAGE_WINDOW = Duration.ofMinutes(10);

    public EngineSettings {
        if (leaseSeconds < 1) {
            throw new IllegalArgumentException("the lease must last at least 1 second, not " + leaseSeconds);
        }
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("the bound on concurrent runs must be at least 1, not "
                    + maxConcurrentRuns);
        }
        if (outageWindow.isNegative()) {
            throw new IllegalArgumentException("the outage window cannot be negative: " + outageWindow);
        }
        if (maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("the longest backoff " + maxBackoff + " is shorter than the first "
                    + firstBackoff);
        }
        if (topUp.isPresent() && topUp.get().signum() <= 0) {
            throw new IllegalArgumentException("a top-up must add at least 1 cycle, not " + topUp.get());
        }
    }

    public static EngineSettings defaults() {
        return new EngineSettings(Duration.ofMillis(200), Duration.ofMinutes(30), 5, Duration.ofMillis(200), 60,
                DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_OUTAGE_WINDOW, Duration.ofSeconds(5), Optional.empty());
    }

    public EngineSettings withLeaseSeconds(int seconds) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, seconds, maxConcurrentRuns,
                outageWindow, maxBackoff, topUp);
    }

    public EngineSettings withMaxConcurrentRuns(int runs) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, leaseSeconds, runs, outageWindow,
                maxBackoff, topUp);
    }

    public EngineSettings withOutageWindow(Duration window) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, leaseSeconds, maxConcurrentRuns,
                window, maxBackoff, topUp);
    }

    /** Tops replicas that pause with {@code LOW_CYCLES} up by {@code cycles}; null: never (fail their part). */
    public EngineSettings withTopUp(BigInteger cycles) {
        return new EngineSettings(pollInterval, runDeadline, retries, firstBackoff, leaseSeconds, maxConcurrentRuns,
                outageWindow, maxBackoff, Optional.ofNullable(cycles));
    }
}
