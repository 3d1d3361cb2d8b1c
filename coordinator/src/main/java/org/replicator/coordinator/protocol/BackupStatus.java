package org.replicator.coordinator.protocol;

import java.math.BigInteger;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** A backup canister's status(): its source, its latest run and restore if any, and what it stores. */
public record BackupStatus(PrincipalId source, Optional<BackupRun> run, Optional<BackupRestore> restore, long generations,
        long chunksStored, long bytesStored, BigInteger cycleBalance) {
}
