package org.replicator.coordinator.restore;

import java.math.BigInteger;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.RestoreRecord;

/**
 * What the user asked for.
 *
 * @param generation the coordinator's generation id; empty for the newest sealed one
 * @param from       the replica to restore from; empty for the one holding {@code generation}
 * @param subnet     for a new canister: where to create it; empty for the original's subnet
 * @param module     for a new canister: the app's wasm, which must be the module the generation's source ran
 * @param cycles     for a new canister: its initial balance
 * @param dryRun     only a plan is wanted: what --force would be needed for is noted, not refused
 * @param failback   the restore brings a failed-over service home into its fenced original
 */
public record RestoreRequest(String canister, Optional<Long> generation, Optional<PrincipalId> from,
        RestoreRecord.Target into, Optional<PrincipalId> subnet, Optional<AppModule> module, BigInteger cycles,
        boolean force, boolean dryRun, boolean failback) {

    public RestoreRequest(String canister, Optional<Long> generation, Optional<PrincipalId> from,
            RestoreRecord.Target into, Optional<PrincipalId> subnet, Optional<AppModule> module, BigInteger cycles,
            boolean force, boolean dryRun) {
        this(canister, generation, from, into, subnet, module, cycles, force, dryRun, false);
    }
}
