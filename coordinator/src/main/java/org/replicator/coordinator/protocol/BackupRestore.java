package org.replicator.coordinator.protocol;

import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** A backup canister's restore job as its status() reports it (backup_canister.did, {@code Restore}). */
public record BackupRestore(PrincipalId target, long generation, String state, long chunksWritten, long chunksTotal,
        Optional<String> error) {

    public boolean committed() {
        return state.equals("committed");
    }

    public boolean failed() {
        return state.equals("failed");
    }

    public boolean active() {
        return !committed() && !failed();
    }

    public boolean isFor(PrincipalId target, long generation) {
        return this.target.equals(target) && this.generation == generation;
    }
}
