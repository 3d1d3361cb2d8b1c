package org.replicator.localnet.messages;

import org.replicator.localnet.ids.Principal;

/**
 * The status of an ingress message as the certified state shows it under
 * {@code /request_status/<id>}. {@code sender} and {@code effectiveCanisterId} are not certified;
 * the HTTP interface uses them to decide who may read the status.
 */
public record IngressStatus(
        State state,
        byte[] reply,
        RejectCode rejectCode,
        String rejectMessage,
        ErrorCode errorCode,
        Principal sender,
        Principal effectiveCanisterId,
        long ingressExpiryNanos) {

    public enum State {
        RECEIVED("received"),
        PROCESSING("processing"),
        REPLIED("replied"),
        REJECTED("rejected"),
        DONE("done");

        private final String label;

        State(String label) {
            this.label = label;
        }

        /** The text the state tree holds. */
        public String label() {
            return label;
        }

        public boolean isTerminal() {
            return this == REPLIED || this == REJECTED || this == DONE;
        }
    }

    public static IngressStatus received(IngressCall call) {
        return new IngressStatus(State.RECEIVED, null, null, null, null, call.sender(),
                call.effectiveCanisterId(), call.ingressExpiryNanos());
    }

    public IngressStatus processing() {
        return new IngressStatus(State.PROCESSING, null, null, null, null, sender, effectiveCanisterId,
                ingressExpiryNanos);
    }

    public IngressStatus replied(byte[] payload) {
        return new IngressStatus(State.REPLIED, payload, null, null, null, sender, effectiveCanisterId,
                ingressExpiryNanos);
    }

    public IngressStatus rejected(RejectCode code, String message, ErrorCode error) {
        return new IngressStatus(State.REJECTED, null, code, message, error, sender, effectiveCanisterId,
                ingressExpiryNanos);
    }

    public IngressStatus done() {
        return new IngressStatus(State.DONE, null, null, null, null, sender, effectiveCanisterId,
                ingressExpiryNanos);
    }
}
