package org.replicator.localnet.canister;

import org.replicator.localnet.ids.Principal;

/**
 * What a canister registered when it performed a call: where to continue when the response
 * comes, and the cycles set aside for that response.
 */
public record Callback(
        long id,
        long callContextId,
        Principal respondent,
        Closure onReply,
        Closure onReject,
        Closure onCleanup,
        long cyclesSent,
        long prepaidResponseExecution,
        long prepaidResponseTransmission) {
}
