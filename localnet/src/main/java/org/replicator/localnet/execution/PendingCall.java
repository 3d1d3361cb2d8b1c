package org.replicator.localnet.execution;

import org.replicator.localnet.canister.Closure;
import org.replicator.localnet.ids.Principal;

/**
 * A call a canister performed during an execution. It leaves the canister only if the execution
 * commits; the subnet then registers its callback and routes the request.
 */
public record PendingCall(
        Principal callee,
        String methodName,
        byte[] arg,
        long cycles,
        Closure onReply,
        Closure onReject,
        Closure onCleanup,
        long callFee,
        long prepaidResponseExecution,
        long prepaidResponseTransmission) {
}
