package org.replicator.localnet.canister;

/**
 * One incoming call being served by a canister, possibly across several executions (the method
 * and then the callbacks of the calls it made). Answered at most once.
 */
public final class CallContext {
    private final long id;
    private final CallOrigin origin;
    private final String methodName;
    private long cyclesAvailable;
    private boolean responded;
    private int outstandingCallbacks;
    private long instructions;

    public CallContext(long id, CallOrigin origin, String methodName, long cyclesAvailable) {
        this.id = id;
        this.origin = origin;
        this.methodName = methodName;
        this.cyclesAvailable = cyclesAvailable;
    }

    /** Restores a call context from persisted state. */
    public CallContext(long id, CallOrigin origin, String methodName, long cyclesAvailable, boolean responded,
            int outstandingCallbacks, long instructions) {
        this(id, origin, methodName, cyclesAvailable);
        this.responded = responded;
        this.outstandingCallbacks = outstandingCallbacks;
        this.instructions = instructions;
    }

    public long id() {
        return id;
    }

    public CallOrigin origin() {
        return origin;
    }

    public String methodName() {
        return methodName;
    }

    public long cyclesAvailable() {
        return cyclesAvailable;
    }

    public void setCyclesAvailable(long cycles) {
        this.cyclesAvailable = cycles;
    }

    public boolean responded() {
        return responded;
    }

    public void markResponded() {
        this.responded = true;
    }

    public int outstandingCallbacks() {
        return outstandingCallbacks;
    }

    public void callbackRegistered() {
        outstandingCallbacks++;
    }

    public void callbackDone() {
        outstandingCallbacks--;
    }

    public long instructions() {
        return instructions;
    }

    public void addInstructions(long n) {
        instructions += n;
    }
}
