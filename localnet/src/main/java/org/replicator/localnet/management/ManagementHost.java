package org.replicator.localnet.management;

import java.util.Optional;
import org.replicator.localnet.canister.CallOrigin;
import org.replicator.localnet.canister.CanisterSettings;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.execution.ExecutionContext;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.UserError;
import org.replicator.localnet.wasm.CanisterModule;
import org.replicator.localnet.wasm.InvalidModuleException;

/** What the management canister needs from the subnet it runs on. */
public interface ManagementHost {
    Principal subnetId();

    long timeNanos();

    FeeSchedule fees();

    /** The canister with this id on this subnet, or null. */
    CanisterState canister(Principal id);

    /** True if the id lies in this subnet's canister ranges. */
    boolean hosts(Principal id);

    /** Creates a canister on this subnet; the id is the specified one or the next free one. */
    CanisterState createCanister(Optional<Principal> specifiedId, CanisterSettings settings, long cycles)
            throws ManagementException;

    void deleteCanister(CanisterState canister);

    CanisterModule loadModule(byte[] wasm) throws InvalidModuleException;

    /** A new, empty stable memory for an installation of the canister. */
    StableMemory newStableMemory(CanisterState canister, long generation);

    /** Instructions an execution may use. */
    org.replicator.localnet.cycles.InstructionLimits limits();

    /** The cycles below which the canister is frozen. */
    long freezingThreshold(CanisterState canister);

    /** Execution context builder pre-filled for this canister. */
    ExecutionContext.Builder executionContext(CanisterState canister, org.replicator.localnet.execution.ApiType type);

    /** Ends every open call of the canister with a reject (uninstall). */
    void rejectOpenCalls(CanisterState canister, String reason);

    /** The runtime of the canister was replaced; releases what the old one held. */
    void runtimeReplaced(CanisterState canister, CanisterRuntime old);

    /** The canister's code, controllers or certified data changed. */
    void canisterChanged(CanisterState canister);

    /** Answers a call made to the management canister. */
    void respond(CallOrigin origin, CallResult result, long refund);

    /** A management call that fails with an IC error. */
    final class ManagementException extends Exception {
        private final UserError error;

        public ManagementException(UserError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public UserError error() {
            return error;
        }
    }
}
