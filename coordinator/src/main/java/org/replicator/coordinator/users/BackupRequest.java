package org.replicator.coordinator.users;

import java.time.Duration;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * A user's request for a backup canister of {@code canister} (id or name): where to put it (empty:
 * placed like any replica, off the source's subnet) and the user's schedule (an interval or a
 * Quartz cron expression; neither means once a day).
 */
public record BackupRequest(PrincipalId user, String canister, Optional<PrincipalId> subnet, Optional<Duration> every,
        Optional<String> cron, Optional<Duration> fullEvery, Optional<Integer> keepLast) {
    public static final Duration DEFAULT_EVERY = Duration.ofDays(1);
    public static final int DEFAULT_KEEP_LAST = 3;
}
