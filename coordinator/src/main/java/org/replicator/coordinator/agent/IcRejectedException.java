package org.replicator.coordinator.agent;

/**
 * The IC rejected a call.
 *
 * @see <a href="https://internetcomputer.org/docs/references/ic-interface-spec#reject-codes">reject codes</a>
 */
public final class IcRejectedException extends IcException {
    private final int rejectCode;
    private final String rejectMessage;

    public IcRejectedException(String what, int rejectCode, String rejectMessage, Throwable cause) {
        super(what + " was rejected (reject code " + rejectCode + " " + codeName(rejectCode) + "): " + rejectMessage, cause);
        this.rejectCode = rejectCode;
        this.rejectMessage = rejectMessage;
    }

    public int rejectCode() {
        return rejectCode;
    }

    public String rejectMessage() {
        return rejectMessage;
    }

    static String codeName(int code) {
        return switch (code) {
            case 1 -> "SYS_FATAL";
            case 2 -> "SYS_TRANSIENT";
            case 3 -> "DESTINATION_INVALID";
            case 4 -> "CANISTER_REJECT";
            case 5 -> "CANISTER_ERROR";
            case 6 -> "SYS_UNKNOWN";
            default -> "UNKNOWN";
        };
    }
}
