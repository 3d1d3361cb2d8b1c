package org.replicator.localnet.canister;

/**
 * What a canister consumed, for the control interface: messages executed, instructions, and the
 * cycles it was charged, by kind. The sum of the charges is what left its balance apart from
 * cycles it sent or burned itself.
 */
public final class CanisterMetrics {
    public long messagesExecuted;
    public long instructionsExecuted;
    public long cyclesForExecution;
    public long cyclesForIngress;
    public long cyclesForCalls;
    public long cyclesForStorage;
    public long cyclesSent;
    public long cyclesReceived;
    public long cyclesBurned;

    public long cyclesCharged() {
        return cyclesForExecution + cyclesForIngress + cyclesForCalls + cyclesForStorage;
    }

    public CanisterMetrics copy() {
        CanisterMetrics c = new CanisterMetrics();
        c.messagesExecuted = messagesExecuted;
        c.instructionsExecuted = instructionsExecuted;
        c.cyclesForExecution = cyclesForExecution;
        c.cyclesForIngress = cyclesForIngress;
        c.cyclesForCalls = cyclesForCalls;
        c.cyclesForStorage = cyclesForStorage;
        c.cyclesSent = cyclesSent;
        c.cyclesReceived = cyclesReceived;
        c.cyclesBurned = cyclesBurned;
        return c;
    }
}
