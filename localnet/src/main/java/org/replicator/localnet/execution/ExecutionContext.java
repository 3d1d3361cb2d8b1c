package org.replicator.localnet.execution;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.replicator.localnet.canister.CallContext;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.ids.Principal;

/**
 * Everything one message execution sees and produces. Built by the subnet before the execution;
 * the effects recorded here are applied only if the execution commits.
 */
public final class ExecutionContext {
    // what the execution sees
    final ApiType apiType;
    final Principal canisterId;
    final Principal subnetId;
    final Principal caller;
    final byte[] argument;
    final String methodName;
    final int rejectCode;
    final String rejectMessage;
    final long timeNanos;
    final long instructionLimit;
    final long responseInstructionLimit;
    final CallContext callContext;
    final byte[] dataCertificate;
    final List<Principal> controllers;
    final int canisterStatus;
    final long canisterVersion;
    final long freezingThresholdCycles;
    final int maxResponseSize;
    final long cyclesRefunded;
    final FeeSchedule fees;

    // what the execution changes
    long balance;
    long cyclesAvailable;
    long cyclesAccepted;
    long cyclesBurned;
    boolean responded;
    final ByteArrayOutputStream replyData = new ByteArrayOutputStream();
    ExecutionResponse response;
    CallUnderConstruction callInPrep;
    final List<PendingCall> calls = new ArrayList<>();
    byte[] newCertifiedData;
    Long newGlobalTimer;
    long currentGlobalTimer;
    boolean messageAccepted;
    final List<String> logs = new ArrayList<>();
    long systemApiInstructions;

    private ExecutionContext(Builder b) {
        this.apiType = b.apiType;
        this.canisterId = b.canisterId;
        this.subnetId = b.subnetId;
        this.caller = b.caller;
        this.argument = b.argument;
        this.methodName = b.methodName;
        this.rejectCode = b.rejectCode;
        this.rejectMessage = b.rejectMessage;
        this.timeNanos = b.timeNanos;
        this.instructionLimit = b.instructionLimit;
        this.responseInstructionLimit = b.responseInstructionLimit;
        this.callContext = b.callContext;
        this.dataCertificate = b.dataCertificate;
        this.controllers = List.copyOf(b.controllers);
        this.canisterStatus = b.canisterStatus;
        this.canisterVersion = b.canisterVersion;
        this.freezingThresholdCycles = b.freezingThresholdCycles;
        this.maxResponseSize = b.maxResponseSize;
        this.cyclesRefunded = b.cyclesRefunded;
        this.fees = b.fees;
        this.balance = b.balance;
        this.currentGlobalTimer = b.globalTimer;
        this.cyclesAvailable = b.callContext == null ? 0 : b.callContext.cyclesAvailable();
        this.responded = b.callContext != null && b.callContext.responded();
    }

    public static Builder builder(ApiType apiType, Principal canisterId) {
        return new Builder(apiType, canisterId);
    }

    public ApiType apiType() {
        return apiType;
    }

    public Principal canisterId() {
        return canisterId;
    }

    public CallContext callContext() {
        return callContext;
    }

    public long instructionLimit() {
        return instructionLimit;
    }

    public long timeNanos() {
        return timeNanos;
    }

    /** The balance after this execution's own effects (accepted, sent, burned cycles). */
    public long balance() {
        return balance;
    }

    public long cyclesAccepted() {
        return cyclesAccepted;
    }

    public long cyclesBurned() {
        return cyclesBurned;
    }

    /** Cycles still attached to the call after this execution. */
    public long cyclesAvailable() {
        return cyclesAvailable;
    }

    /** The reply or reject this execution produced, or null. */
    public ExecutionResponse response() {
        return response;
    }

    public List<PendingCall> calls() {
        return calls;
    }

    /** The certified data set by this execution, or null if unchanged. */
    public byte[] newCertifiedData() {
        return newCertifiedData;
    }

    /** The global timer set by this execution, or null if unchanged. */
    public Long newGlobalTimer() {
        return newGlobalTimer;
    }

    public boolean messageAccepted() {
        return messageAccepted;
    }

    public List<String> logs() {
        return logs;
    }

    /** The reply or reject of an execution. */
    public sealed interface ExecutionResponse {
        record Reply(byte[] payload) implements ExecutionResponse {
        }

        record Reject(String message) implements ExecutionResponse {
        }
    }

    /** A call between ic0.call_new and ic0.call_perform. */
    static final class CallUnderConstruction {
        final Principal callee;
        final String methodName;
        final ByteArrayOutputStream arg = new ByteArrayOutputStream();
        final org.replicator.localnet.canister.Closure onReply;
        final org.replicator.localnet.canister.Closure onReject;
        org.replicator.localnet.canister.Closure onCleanup;
        long cycles;
        boolean timeoutSet;

        CallUnderConstruction(Principal callee, String methodName, org.replicator.localnet.canister.Closure onReply,
                org.replicator.localnet.canister.Closure onReject) {
            this.callee = callee;
            this.methodName = methodName;
            this.onReply = onReply;
            this.onReject = onReject;
        }
    }

    public static final class Builder {
        private final ApiType apiType;
        private final Principal canisterId;
        private Principal subnetId = Principal.managementCanister();
        private Principal caller = Principal.managementCanister();
        private byte[] argument;
        private String methodName = "";
        private int rejectCode;
        private String rejectMessage;
        private long timeNanos;
        private long instructionLimit;
        private long responseInstructionLimit = org.replicator.localnet.cycles.ResourceLimits.UPDATE_INSTRUCTIONS;
        private CallContext callContext;
        private byte[] dataCertificate;
        private List<Principal> controllers = List.of();
        private int canisterStatus = 1;
        private long canisterVersion;
        private long freezingThresholdCycles;
        private int maxResponseSize;
        private long cyclesRefunded;
        private FeeSchedule fees;
        private long balance;
        private long globalTimer;

        private Builder(ApiType apiType, Principal canisterId) {
            this.apiType = apiType;
            this.canisterId = canisterId;
        }

        public Builder subnet(Principal id) {
            this.subnetId = id;
            return this;
        }

        public Builder caller(Principal p) {
            this.caller = p;
            return this;
        }

        public Builder argument(byte[] arg) {
            this.argument = arg;
            return this;
        }

        public Builder methodName(String name) {
            this.methodName = name;
            return this;
        }

        public Builder reject(int code, String message) {
            this.rejectCode = code;
            this.rejectMessage = message;
            return this;
        }

        public Builder time(long nanos) {
            this.timeNanos = nanos;
            return this;
        }

        public Builder instructionLimit(long limit) {
            this.instructionLimit = limit;
            return this;
        }

        /** The limit of the callback that will handle a response; call_perform prepays it. */
        public Builder responseInstructionLimit(long limit) {
            this.responseInstructionLimit = limit;
            return this;
        }

        public Builder callContext(CallContext cc) {
            this.callContext = cc;
            return this;
        }

        public Builder dataCertificate(byte[] certificate) {
            this.dataCertificate = certificate;
            return this;
        }

        public Builder controllers(List<Principal> list) {
            this.controllers = list;
            return this;
        }

        public Builder status(int status) {
            this.canisterStatus = status;
            return this;
        }

        public Builder version(long v) {
            this.canisterVersion = v;
            return this;
        }

        public Builder freezingThreshold(long cycles) {
            this.freezingThresholdCycles = cycles;
            return this;
        }

        public Builder maxResponseSize(int bytes) {
            this.maxResponseSize = bytes;
            return this;
        }

        public Builder cyclesRefunded(long cycles) {
            this.cyclesRefunded = cycles;
            return this;
        }

        public Builder fees(FeeSchedule f) {
            this.fees = f;
            return this;
        }

        public Builder balance(long cycles) {
            this.balance = cycles;
            return this;
        }

        public Builder globalTimer(long nanos) {
            this.globalTimer = nanos;
            return this;
        }

        public ExecutionContext build() {
            return new ExecutionContext(this);
        }
    }
}
