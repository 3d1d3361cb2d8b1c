package org.replicator.coordinator.failover;

import java.math.BigInteger;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.restore.AppModule;

/**
 * What a promotion is asked to do.
 *
 * @param replica   the backup canister whose newest sealed generation goes live on its subnet
 * @param module    the app's wasm, which must be the module the generation's source ran (needed until
 *                  the new canister has its code)
 * @param initArg   the install argument (Candid) of the new canister, e.g. the original's chunk size
 * @param cycles    the new canister's initial balance
 * @param planned   promote although the primary still answers (a planned move); it is fenced at once
 * @param automatic started by the health watch rather than a person
 * @param reason    why, for the audit log
 */
public record PromoteRequest(String canister, PrincipalId replica, Optional<AppModule> module, byte[] initArg,
        BigInteger cycles, boolean planned, boolean automatic, String reason) {
}
