package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** A backup canister's status(): its source, the run in progress if any, and what it stores. */
public record BackupStatus(PrincipalId source, Optional<BackupRun> run, Optional<Long> lastSealed, long storedChunks,
        long storedBytes, BigInteger cycleBalance) {
}
