package org.replicator.localnet.messages;

/** An error the IC reports to the sender of a message: an error code and a human message. */
public record UserError(ErrorCode code, String message) {
    public RejectCode rejectCode() {
        return code.rejectCode();
    }

    @Override
    public String toString() {
        return code.text() + ": " + message;
    }
}
