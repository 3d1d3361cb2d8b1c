package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** A user's backup canister of a protected canister, replicated on the user's own schedule. */
public record UserBackup(
        PrincipalId replica,
        PrincipalId principal,
        PrincipalId canister,
        Optional<Duration> every,
        Optional<String> cron,
        Optional<Duration> fullEvery,
        int keepLast,
        State state,
        Instant requestedAt,
        Optional<Instant> detachedAt,
        Optional<StorageReading> storageReading) {

    public enum State {
        ACTIVE,
        /** the user's balance ran out: no runs until they deposit */
        PAUSED,
        /** handed over: the coordinator is no longer a controller */
        DETACHED,
        /** its generations were deleted after the grace period */
        DELETED;

        public String column() {
            return name().toLowerCase();
        }

        public static State of(String column) {
            return valueOf(column.toUpperCase());
        }
    }

    /** The canister's balance and memory when storage was last charged up to {@code at}. */
    public record StorageReading(Instant at, BigInteger balance, long bytes) {
    }

    public String describeSchedule() {
        return cron.map(c -> "cron \"" + c + "\"").orElseGet(() -> "every " + every.orElseThrow())
                + fullEvery.map(f -> ", full every " + f).orElse("") + ", keep last " + keepLast;
    }
}
