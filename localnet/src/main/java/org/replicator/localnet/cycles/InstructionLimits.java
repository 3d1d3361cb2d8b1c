package org.replicator.localnet.cycles;

/**
 * Instructions one execution may use, by kind of execution. The IC's values are the default;
 * tests may lower them to reach a limit quickly.
 */
public record InstructionLimits(long update, long query, long install, long inspectMessage) {
    public InstructionLimits {
        if (update <= 0 || query <= 0 || install <= 0 || inspectMessage <= 0) {
            throw new IllegalArgumentException("instruction limits must be positive");
        }
    }

    /** 40 B per update, timer, heartbeat or callback; 5 B per query; 300 B per install; 200 M per inspect_message. */
    public static InstructionLimits ic() {
        return new InstructionLimits(ResourceLimits.UPDATE_INSTRUCTIONS, ResourceLimits.QUERY_INSTRUCTIONS,
                ResourceLimits.INSTALL_INSTRUCTIONS, ResourceLimits.INSPECT_MESSAGE_INSTRUCTIONS);
    }
}
