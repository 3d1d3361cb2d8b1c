package org.replicator.localnet.network;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The network's time: wall-clock time plus an offset that the control interface can advance
 * (never move back), so that timers and expiries can be tested without waiting. Agents check
 * certificate times against their own clocks, so the offset should stay small while agents are
 * connected.
 */
public final class NetworkClock {
    private final AtomicLong offsetNanos = new AtomicLong();

    public long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() + offsetNanos.get();
    }

    public void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("time never goes back; cannot advance by " + d);
        }
        offsetNanos.addAndGet(d.toNanos());
    }

    public long offsetNanos() {
        return offsetNanos.get();
    }
}
