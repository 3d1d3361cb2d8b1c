package org.replicator.localnet.messages;

/** How a call ended: a reply payload, or a reject. */
public sealed interface CallResult {
    record Replied(byte[] payload) implements CallResult {
    }

    record Rejected(RejectCode rejectCode, String message, ErrorCode errorCode) implements CallResult {
        public static Rejected of(UserError error) {
            return new Rejected(error.rejectCode(), error.message(), error.code());
        }
    }
}
