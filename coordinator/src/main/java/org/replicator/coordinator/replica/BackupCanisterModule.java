package org.replicator.coordinator.replica;

import org.replicator.canisters.CanisterWasm;
import org.replicator.coordinator.store.Digest;

/**
 * The backup canister's wasm as the backup-canister module's build packages it
 * ({@code canisters/backup_canister.wasm} with its recorded {@code .sha256}); {@link CanisterWasm}
 * checks the bytes against the recorded hash, which is what the IC reports as the module hash.
 */
public record BackupCanisterModule(byte[] wasm, Digest sha256) {

    public static BackupCanisterModule load() {
        CanisterWasm w = CanisterWasm.backupCanister();
        return new BackupCanisterModule(w.bytes(), new Digest(w.sha256Hex()));
    }
}
