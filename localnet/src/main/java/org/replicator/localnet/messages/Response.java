package org.replicator.localnet.messages;

import org.replicator.localnet.ids.Principal;

/** The answer to a {@link Request}, travelling back to the caller's callback. */
public record Response(
        Principal originator,
        Principal respondent,
        long callbackId,
        CallResult result,
        long refund) implements CanisterMessage {

    public long payloadSize() {
        if (result instanceof CallResult.Replied r) {
            return r.payload().length;
        }
        return ((CallResult.Rejected) result).message().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    public Response withResult(CallResult newResult) {
        return new Response(originator, respondent, callbackId, newResult, refund);
    }

    @Override
    public Principal destination() {
        return originator;
    }

    @Override
    public Principal source() {
        return respondent;
    }
}
