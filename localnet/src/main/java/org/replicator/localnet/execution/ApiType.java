package org.replicator.localnet.execution;

/**
 * The contexts in which canister code runs, named as in the IC interface specification. Which
 * {@code ic0} functions a context may call is decided by {@link SystemApiFunction}.
 */
public enum ApiType {
    /** canister_init and canister_post_upgrade. */
    INIT("init"),
    /** canister_pre_upgrade. */
    PRE_UPGRADE("pre_upgrade"),
    UPDATE("update"),
    REPLICATED_QUERY("replicated query"),
    NON_REPLICATED_QUERY("non-replicated query"),
    COMPOSITE_QUERY("composite query"),
    REPLY_CALLBACK("reply callback"),
    REJECT_CALLBACK("reject callback"),
    CLEANUP("cleanup"),
    INSPECT_MESSAGE("inspect message"),
    /** Heartbeat and global timer. */
    SYSTEM_TASK("system task"),
    /** The wasm start function, run while a module is instantiated. */
    START("start");

    private final String description;

    ApiType(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    public boolean isReplicated() {
        return this != NON_REPLICATED_QUERY && this != COMPOSITE_QUERY && this != INSPECT_MESSAGE;
    }
}
