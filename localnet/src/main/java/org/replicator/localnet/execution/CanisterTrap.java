package org.replicator.localnet.execution;

import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.UserError;

/**
 * Ends a message execution and rolls back all its effects. Thrown by the System API, and made
 * from wasm traps by {@link CanisterRuntime}. Carries the IC error code the sender will see.
 */
public final class CanisterTrap extends RuntimeException {
    private final Kind kind;

    public enum Kind {
        /** The canister called ic0.trap (IC0503). */
        EXPLICIT(ErrorCode.CANISTER_CALLED_TRAP),
        /** A wasm trap: unreachable, out of bounds, division by zero... (IC0502). */
        WASM(ErrorCode.CANISTER_TRAPPED),
        /** The canister used the System API against its contract (IC0504). */
        CONTRACT_VIOLATION(ErrorCode.CANISTER_CONTRACT_VIOLATION),
        /** The message ran out of instructions (IC0522). */
        INSTRUCTION_LIMIT(ErrorCode.CANISTER_INSTRUCTION_LIMIT_EXCEEDED),
        /** Memory could not grow (IC0507). */
        OUT_OF_MEMORY(ErrorCode.CANISTER_OUT_OF_MEMORY);

        private final ErrorCode code;

        Kind(ErrorCode code) {
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

    public CanisterTrap(Kind kind, String detail) {
        super(detail, null, false, false);
        this.kind = kind;
    }

    public static CanisterTrap contractViolation(String detail) {
        return new CanisterTrap(Kind.CONTRACT_VIOLATION, detail);
    }

    public static CanisterTrap wasm(String detail) {
        return new CanisterTrap(Kind.WASM, detail);
    }

    public Kind kind() {
        return kind;
    }

    /** The error as the IC words it for the sender of the message. */
    public UserError toUserError(Principal canister) {
        String detail = getMessage();
        String message = switch (kind) {
            case EXPLICIT -> "Error from Canister " + canister + ": Canister called `ic0.trap` with message: '"
                    + detail + "'.";
            case WASM -> "Error from Canister " + canister + ": Canister trapped: " + detail + ".";
            case CONTRACT_VIOLATION -> "Error from Canister " + canister + ": Canister violated contract: "
                    + detail + ".";
            case INSTRUCTION_LIMIT -> "Error from Canister " + canister + ": Canister exceeded the limit of "
                    + detail + " instructions for single message execution.";
            case OUT_OF_MEMORY -> "Error from Canister " + canister + ": Canister cannot grow its memory usage: "
                    + detail + ".";
        };
        return new UserError(kind.code(), message);
    }
}
