package org.replicator.coordinator.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * A principal with a prepaid cycle account who may hold backup canisters of their own, within
 * their limits.
 */
public record User(
        PrincipalId principal,
        Status status,
        int maxBackups,
        int maxRequestsPerHour,
        BigInteger warnBelow,
        Instant createdAt,
        Instant statusSince,
        Optional<Instant> deletionDueAt) {

    public enum Status {
        /** in credit: their backups replicate on their schedules */
        ACTIVE,
        /** balance below the warning level: still replicating, told to deposit */
        WARNED,
        /** balance spent: no runs; generations deleted after {@code deletionDueAt} unless they deposit */
        PAUSED,
        /** no backups left with the coordinator */
        CLOSED;

        public String column() {
            return name().toLowerCase();
        }

        public static Status of(String column) {
            return valueOf(column.toUpperCase());
        }
    }
}
