package org.replicator.coordinator.schedule;

import java.time.Duration;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * When a canister is replicated: by {@code cron} (Quartz syntax, UTC) or every {@code every}; a
 * fired run is full when the last sealed full run is older than {@code fullEvery} (or there is
 * none), incremental otherwise.
 */
public record Schedule(PrincipalId canister, Optional<String> cron, Optional<Duration> every,
        Optional<Duration> fullEvery, RetentionPolicy retention, boolean paused) {

    public Schedule {
        if (cron.isPresent() == every.isPresent()) {
            throw new IllegalArgumentException("a schedule fires either by --cron or --every, not both and not neither");
        }
    }

    public String describe() {
        return cron.map(c -> "cron \"" + c + "\"").orElseGet(() -> "every " + every.orElseThrow())
                + fullEvery.map(f -> ", full every " + f).orElse(", incremental after the first full run")
                + "; keep " + retention.describe() + (paused ? " (paused)" : "");
    }
}
