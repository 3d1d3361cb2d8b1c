package org.replicator.localnet.cycles;

/** The IC's per-message limits for application subnets, as the localnet enforces them. */
public final class ResourceLimits {
    public static final long UPDATE_INSTRUCTIONS = 40_000_000_000L;
    public static final long QUERY_INSTRUCTIONS = 5_000_000_000L;
    public static final long INSTALL_INSTRUCTIONS = 300_000_000_000L;
    public static final long INSPECT_MESSAGE_INSTRUCTIONS = 200_000_000L;

    public static final int MIB = 1 << 20;
    /** Method name plus argument of an ingress message. */
    public static final int MAX_INGRESS_PAYLOAD = 2 * MIB;
    /** Method name plus argument of a request to a canister on another subnet. */
    public static final int MAX_XNET_PAYLOAD = 2 * MIB;
    /** Method name plus argument of a request to a canister on the same subnet. */
    public static final int MAX_LOCAL_PAYLOAD = 10 * MIB;
    /** A reply or reject of a replicated execution. */
    public static final int MAX_RESPONSE = 2 * MIB;
    /** A reply of a query answered by one node. */
    public static final int MAX_QUERY_RESPONSE = 3 * MIB;
    public static final int MAX_CERTIFIED_DATA = 32;
    public static final int MAX_CONTROLLERS = 10;

    /** Cycles a canister gets from provisional creation without an amount, as on dfx/PocketIC. */
    public static final long DEFAULT_PROVISIONAL_CYCLES = 100_000_000_000_000L;
    public static final long DEFAULT_FREEZING_THRESHOLD_SECONDS = 2_592_000L;

    private ResourceLimits() {
    }
}
