package org.replicator.localnet.canister;

/** Running, stopping or stopped, with the numbers ic0.canister_status returns. */
public enum CanisterStatus {
    RUNNING(1, "running"),
    STOPPING(2, "stopping"),
    STOPPED(3, "stopped");

    private final int code;
    private final String label;

    CanisterStatus(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }
}
