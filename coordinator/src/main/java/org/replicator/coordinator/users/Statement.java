package org.replicator.coordinator.users;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserEntry;

/** A user's entries over a period with the balances it opens and closes with; {@code from}/{@code to} null = open. */
public record Statement(User user, Instant from, Instant to, BigInteger opening, List<UserEntry> entries,
        BigInteger closing) {
}
