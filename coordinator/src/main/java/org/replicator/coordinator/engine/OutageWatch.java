package org.replicator.coordinator.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Waits out outages for the engine: each kind of outage has its own window, opened by the first
 * failure and closed by the next success; within the window the caller pauses with capped
 * exponential backoff and tries again, after it the failure is final. The progress stream hears
 * once when an outage begins and once when it ends, not on every attempt.
 */
final class OutageWatch {
    private final Duration window;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final RunProgress progress;
    private final Clock clock;
    private final BooleanSupplier stopped;
    private final Map<Outage, Ongoing> ongoing = new EnumMap<>(Outage.class);

    private record Ongoing(Instant since, Instant until, Duration nextBackoff) {
    }

    OutageWatch(EngineSettings settings, RunProgress progress, Clock clock, BooleanSupplier stopped) {
        this.window = settings.outageWindow();
        this.firstBackoff = settings.firstBackoff();
        this.maxBackoff = settings.maxBackoff();
        this.progress = progress;
        this.clock = clock;
        this.stopped = stopped;
    }

    /**
     * Records a failure of the given kind and pauses before the next attempt; throws
     * {@link OutageOutlasted} once the outage has lasted longer than the window, or if the
     * engine was stopped meanwhile.
     */
    void failed(Outage outage, RuntimeException failure) {
        Duration pause;
        synchronized (this) {
            Instant now = clock.instant();
            Ongoing o = ongoing.get(outage);
            if (o == null) {
                o = new Ongoing(now, now.plus(window), firstBackoff);
                progress.outage(outage, o.until(), Outage.reason(failure));
            }
            if (!now.isBefore(o.until()) || stopped.getAsBoolean()) {
                ongoing.remove(outage);
                throw new OutageOutlasted(outage, Duration.between(o.since(), now), window, failure);
            }
            pause = o.nextBackoff();
            Duration left = Duration.between(now, o.until());
            if (pause.compareTo(left) > 0) {
                pause = left;
            }
            Duration next = o.nextBackoff().multipliedBy(2);
            ongoing.put(outage, new Ongoing(o.since(), o.until(), next.compareTo(maxBackoff) > 0 ? maxBackoff : next));
        }
        sleep(pause);
    }

    /** Records that a call that needs {@code outage}'s resource succeeded, ending that outage if there was one. */
    void succeeded(Outage outage) {
        Ongoing o;
        synchronized (this) {
            o = ongoing.remove(outage);
        }
        if (o != null) {
            progress.recovered(outage, Duration.between(o.since(), clock.instant()));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting out an outage", e);
        }
    }

    /** An outage lasted longer than the window: the failure that ended the wait, as it was. */
    static final class OutageOutlasted extends RuntimeException {
        private final Outage outage;
        private final RuntimeException failure;

        OutageOutlasted(Outage outage, Duration lasted, Duration window, RuntimeException failure) {
            super(outage.description() + " for " + lasted.toSeconds() + " s, longer than the outage window of "
                    + window.toSeconds() + " s: " + failure.getMessage(), failure);
            this.outage = outage;
            this.failure = failure;
        }

        Outage outage() {
            return outage;
        }

        RuntimeException failure() {
            return failure;
        }
    }
}
