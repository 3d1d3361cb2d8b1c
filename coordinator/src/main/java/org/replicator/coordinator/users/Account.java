package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.util.List;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserBackup;

/** A user's standing: limits, balance and backups. */
public record Account(User user, BigInteger balance, List<UserBackup> backups) {
    /** Backups the coordinator still holds for the user (what the quota counts). */
    public long held() {
        return backups.stream().filter(b -> b.state() == UserBackup.State.ACTIVE || b.state() == UserBackup.State.PAUSED)
                .count();
    }
}
