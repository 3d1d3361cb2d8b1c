package org.replicator.localnet.subnet;

import java.math.BigInteger;
import org.replicator.localnet.canister.CallContext;
import org.replicator.localnet.canister.CallOrigin;
import org.replicator.localnet.canister.Callback;
import org.replicator.localnet.canister.CanisterInput;
import org.replicator.localnet.canister.CanisterMetrics;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.canister.CanisterStatus;
import org.replicator.localnet.canister.Closure;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.cycles.InstructionLimits;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.execution.ApiType;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.execution.CanisterRuntime.Effects;
import org.replicator.localnet.execution.CanisterRuntime.ExecutionOutcome;
import org.replicator.localnet.execution.CanisterTrap;
import org.replicator.localnet.execution.ExecutionContext;
import org.replicator.localnet.execution.ExecutionContext.ExecutionResponse;
import org.replicator.localnet.execution.PendingCall;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.RejectCode;
import org.replicator.localnet.messages.Request;
import org.replicator.localnet.messages.Response;
import org.replicator.localnet.messages.UserError;

/**
 * Executes canister inputs the way the IC does: opens call contexts, charges and refunds cycles,
 * runs the method or callback, and turns the outcome into replies, rejects and new requests.
 * Everything it produces goes to {@link Outputs}; it never touches another canister.
 */
final class MessageExecutor {
    private final Principal subnetId;
    private final FeeSchedule fees;
    private final InstructionLimits limits;
    private final Outputs outputs;

    /** Where executions send what they produce. */
    interface Outputs {
        long timeNanos();

        void send(Request request);

        void respond(Response response);

        void ingressProcessing(RequestId id);

        void ingressCompleted(RequestId id, CallResult result);

        /** The canister's certified data, controllers or code changed. */
        void canisterChanged(CanisterState canister);
    }

    MessageExecutor(Principal subnetId, FeeSchedule fees, InstructionLimits limits, Outputs outputs) {
        this.subnetId = subnetId;
        this.fees = fees;
        this.limits = limits;
        this.outputs = outputs;
    }

    /**
     * The cycles below which a canister counts as frozen. A threshold of many years times a large
     * memory exceeds any balance; it saturates rather than overflows, so such a canister is simply
     * frozen.
     */
    long freezingThreshold(CanisterState c) {
        BigInteger perDay = BigInteger.valueOf(fees.idleCyclesBurnedPerDay(c.memoryUsage()));
        BigInteger threshold = perDay.multiply(BigInteger.valueOf(c.settings().freezingThresholdSeconds()))
                .divide(BigInteger.valueOf(86_400L));
        return threshold.min(BigInteger.valueOf(Long.MAX_VALUE)).longValueExact();
    }

    void execute(CanisterState c, CanisterInput input) {
        if (input instanceof CanisterInput.IngressInput i) {
            executeIngress(c, i.call());
        } else if (input instanceof CanisterInput.RequestInput r) {
            executeRequest(c, r.request());
        } else if (input instanceof CanisterInput.ResponseInput r) {
            executeResponse(c, r.response());
        } else {
            executeTask(c, ((CanisterInput.TaskInput) input).task());
        }
    }

    // ---- new calls ----------------------------------------------------------------------------

    private void executeIngress(CanisterState c, IngressCall call) {
        CallOrigin origin = new CallOrigin.Ingress(call.requestId(), call.sender());
        UserError refused = checkCallable(c, call.methodName());
        if (refused != null) {
            outputs.ingressCompleted(call.requestId(), CallResult.Rejected.of(refused));
            return;
        }
        outputs.ingressProcessing(call.requestId());
        executeCall(c, origin, call.sender(), call.methodName(), call.arg(), 0);
    }

    private void executeRequest(CanisterState c, Request request) {
        CallOrigin origin = new CallOrigin.Canister(request.sender(), request.callbackId());
        UserError refused = checkCallable(c, request.methodName());
        if (refused != null) {
            outputs.respond(new Response(request.sender(), c.id(), request.callbackId(),
                    CallResult.Rejected.of(refused), request.cycles()));
            return;
        }
        executeCall(c, origin, request.sender(), request.methodName(), request.arg(), request.cycles());
    }

    /** Why a call to {@code method} cannot start, or null if it can. */
    private UserError checkCallable(CanisterState c, String method) {
        if (c.status() == CanisterStatus.STOPPED) {
            return new UserError(ErrorCode.CANISTER_STOPPED, "Canister " + c.id() + " is stopped");
        }
        if (c.status() == CanisterStatus.STOPPING) {
            return new UserError(ErrorCode.CANISTER_STOPPING, "Canister " + c.id() + " is stopping");
        }
        if (c.isEmpty()) {
            return noModule(c);
        }
        CanisterRuntime rt = c.runtime();
        if (!rt.module().updateMethods().contains(method) && !rt.module().queryMethods().contains(method)) {
            return new UserError(ErrorCode.CANISTER_METHOD_NOT_FOUND, "Error from Canister " + c.id()
                    + ": Canister has no update method '" + method + "'.");
        }
        long prepay = fees.executionCost(limits.update());
        if (c.balance() - prepay < freezingThreshold(c)) {
            return outOfCycles(c, prepay);
        }
        return null;
    }

    static UserError noModule(CanisterState c) {
        return new UserError(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND, "Error from Canister " + c.id()
                + ": Attempted to execute a message, but the canister contains no Wasm module.");
    }

    UserError outOfCycles(CanisterState c, long needed) {
        return new UserError(ErrorCode.CANISTER_OUT_OF_CYCLES, "Canister " + c.id()
                + " is out of cycles: please top up the canister with at least " + needed
                + " additional cycles (balance " + c.balance() + ", freezing threshold " + freezingThreshold(c) + ")");
    }

    private void executeCall(CanisterState c, CallOrigin origin, Principal caller, String method, byte[] arg,
            long cycles) {
        CanisterRuntime rt = c.runtime();
        boolean isUpdate = rt.module().updateMethods().contains(method);
        CallContext cc = c.newCallContext(origin, method, cycles);
        long reserved = fees.executionCost(limits.update());
        c.setBalance(c.balance() - reserved);
        ExecutionContext ctx = context(c, isUpdate ? ApiType.UPDATE : ApiType.REPLICATED_QUERY, cc)
                .caller(caller)
                .argument(arg)
                .instructionLimit(limits.update())
                .build();
        String export = (isUpdate ? "canister_update " : "canister_query ") + method;
        // Queries called in replicated mode are charged but keep no state changes.
        ExecutionOutcome outcome = rt.call(ctx, export, isUpdate ? Effects.COMMIT : Effects.DISCARD);
        finish(c, ctx, cc, outcome, reserved, isUpdate);
    }

    // ---- responses -----------------------------------------------------------------------------

    private void executeResponse(CanisterState c, Response response) {
        Callback cb = c.callbacks().remove(response.callbackId());
        if (cb == null) {
            // The callback is gone (the canister was uninstalled): keep the cycles, run nothing.
            c.addCycles(response.refund());
            return;
        }
        long transmission = fees.transmissionCost(response.payloadSize());
        CanisterMetrics m = c.metrics();
        m.cyclesForCalls += transmission;
        m.cyclesReceived += response.refund();
        c.addCycles(response.refund() + cb.prepaidResponseTransmission() - transmission);
        CallContext cc = c.callContexts().get(cb.callContextId());
        if (c.isEmpty() || cc == null) {
            c.addCycles(cb.prepaidResponseExecution());
            return;
        }
        cc.callbackDone();
        boolean replied = response.result() instanceof CallResult.Replied;
        ExecutionContext.Builder b = context(c, replied ? ApiType.REPLY_CALLBACK : ApiType.REJECT_CALLBACK, cc)
                .caller(cc.origin().caller())
                .cyclesRefunded(response.refund())
                .instructionLimit(limits.update());
        Closure closure;
        if (response.result() instanceof CallResult.Replied r) {
            b.argument(r.payload()).reject(0, null);
            closure = cb.onReply();
        } else {
            CallResult.Rejected r = (CallResult.Rejected) response.result();
            b.reject(r.rejectCode().code(), r.message());
            closure = cb.onReject();
        }
        ExecutionContext ctx = b.build();
        ExecutionOutcome outcome = c.runtime().callback(ctx, closure, Effects.COMMIT);
        if (outcome.trapped() && cb.onCleanup() != null) {
            outcome = runCleanup(c, cc, cb, outcome);
        }
        finish(c, ctx, cc, outcome, cb.prepaidResponseExecution(), true);
    }

    /**
     * Runs the cleanup callback after a reply or reject callback trapped. Its own changes are kept
     * unless it traps too; the call context still ends with the first trap's error.
     */
    private ExecutionOutcome runCleanup(CanisterState c, CallContext cc, Callback cb, ExecutionOutcome failed) {
        ExecutionContext cleanup = context(c, ApiType.CLEANUP, cc)
                .caller(cc.origin().caller())
                .instructionLimit(limits.update())
                .build();
        ExecutionOutcome outcome = c.runtime().callback(cleanup, cb.onCleanup(), Effects.COMMIT);
        if (!outcome.trapped()) {
            applyState(c, cleanup);
        } else {
            c.log().append(outputs.timeNanos(), "[cleanup trapped] " + outcome.trap().getMessage());
        }
        return new ExecutionOutcome(failed.trap(), failed.instructions() + outcome.instructions());
    }

    // ---- system tasks ----------------------------------------------------------------------

    private void executeTask(CanisterState c, CanisterInput.Task task) {
        if (c.isEmpty() || c.status() != CanisterStatus.RUNNING || !c.runtime().exports(task.export())) {
            return;
        }
        long reserved = fees.executionCost(limits.update());
        if (c.balance() - reserved < freezingThreshold(c)) {
            return;
        }
        c.setBalance(c.balance() - reserved);
        CallContext cc = c.newCallContext(new CallOrigin.SystemTask(), task.export(), 0);
        ExecutionContext ctx = context(c, ApiType.SYSTEM_TASK, cc)
                .caller(Principal.managementCanister())
                .instructionLimit(limits.update())
                .build();
        ExecutionOutcome outcome = c.runtime().call(ctx, task.export(), Effects.COMMIT);
        finish(c, ctx, cc, outcome, reserved, true);
    }

    // ---- the common ending ----------------------------------------------------------------

    private ExecutionContext.Builder context(CanisterState c, ApiType type, CallContext cc) {
        return ExecutionContext.builder(type, c.id())
                .subnet(subnetId)
                .time(outputs.timeNanos())
                .callContext(cc)
                .controllers(c.controllers())
                .status(c.status().code())
                .version(c.version())
                .freezingThreshold(freezingThreshold(c))
                .maxResponseSize(ResourceLimits.MAX_RESPONSE)
                .fees(fees)
                .responseInstructionLimit(limits.update())
                .balance(c.balance())
                .globalTimer(c.globalTimerNanos());
    }

    /**
     * Charges the execution, applies its effects if it did not trap, answers the call context when
     * it can no longer be answered by anyone else, and forgets it when it is done.
     */
    private void finish(CanisterState c, ExecutionContext ctx, CallContext cc, ExecutionOutcome outcome,
            long reserved, boolean keepsState) {
        long cost = fees.executionCost(outcome.instructions());
        CanisterMetrics m = c.metrics();
        m.messagesExecuted++;
        m.instructionsExecuted += outcome.instructions();
        m.cyclesForExecution += cost;
        cc.addInstructions(outcome.instructions());
        for (String line : ctx.logs()) {
            c.log().append(ctx.timeNanos(), line);
        }
        if (!outcome.trapped()) {
            c.setBalance(ctx.balance());
            m.cyclesBurned += ctx.cyclesBurned();
            m.cyclesReceived += ctx.cyclesAccepted();
            cc.setCyclesAvailable(ctx.cyclesAvailable());
            if (keepsState) {
                applyState(c, ctx);
            }
            for (PendingCall call : ctx.calls()) {
                long callbackId = c.allocateCallbackId();
                c.callbacks().put(callbackId, new Callback(callbackId, cc.id(), call.callee(), call.onReply(),
                        call.onReject(), call.onCleanup(), call.cycles(), call.prepaidResponseExecution(),
                        call.prepaidResponseTransmission()));
                cc.callbackRegistered();
                m.cyclesForCalls += call.callFee();
                m.cyclesSent += call.cycles();
                outputs.send(new Request(c.id(), call.callee(), call.methodName(), call.arg(), call.cycles(),
                        callbackId));
            }
            ExecutionResponse response = ctx.response();
            if (response != null) {
                respond(c, cc, response instanceof ExecutionResponse.Reply r
                        ? new CallResult.Replied(r.payload())
                        : new CallResult.Rejected(RejectCode.CANISTER_REJECT,
                                ((ExecutionResponse.Reject) response).message(), ErrorCode.CANISTER_REJECTED_MESSAGE));
            }
        } else {
            c.log().append(ctx.timeNanos(), "[trap] " + outcome.trap().getMessage());
        }
        c.addCycles(reserved - cost);
        if (!cc.responded() && cc.outstandingCallbacks() == 0) {
            if (outcome.trapped()) {
                respond(c, cc, CallResult.Rejected.of(outcome.trap().toUserError(c.id())));
            } else {
                respond(c, cc, CallResult.Rejected.of(new UserError(ErrorCode.CANISTER_DID_NOT_REPLY,
                        "Canister " + c.id() + " did not reply to the call")));
            }
        }
        if (cc.responded() && cc.outstandingCallbacks() == 0) {
            c.callContexts().remove(cc.id());
        }
    }

    private void applyState(CanisterState c, ExecutionContext ctx) {
        boolean certifiedChanged = false;
        if (ctx.newCertifiedData() != null) {
            c.setCertifiedData(ctx.newCertifiedData());
            certifiedChanged = true;
        }
        if (ctx.newGlobalTimer() != null) {
            c.setGlobalTimerNanos(ctx.newGlobalTimer());
        }
        c.bumpVersion();
        if (certifiedChanged) {
            outputs.canisterChanged(c);
        }
    }

    /** Sends the answer of a call context to whoever waits for it, with the cycles left over. */
    void respond(CanisterState c, CallContext cc, CallResult result) {
        if (cc.responded()) {
            return;
        }
        cc.markResponded();
        long refund = cc.cyclesAvailable();
        cc.setCyclesAvailable(0);
        if (cc.origin() instanceof CallOrigin.Ingress i) {
            outputs.ingressCompleted(i.requestId(), result);
        } else if (cc.origin() instanceof CallOrigin.Canister r) {
            outputs.respond(new Response(r.caller(), c.id(), r.callbackId(), result, refund));
        }
        // nobody waits for the answer of a heartbeat or timer
    }

    /**
     * Ends every open call context of a canister with a reject, as uninstalling code does; their
     * callbacks are forgotten but the cycles reserved for them come back.
     */
    void rejectAllCallContexts(CanisterState c, String reason) {
        for (CallContext cc : c.callContexts().values()) {
            respond(c, cc, new CallResult.Rejected(RejectCode.CANISTER_REJECT, reason,
                    ErrorCode.CANISTER_REJECTED_MESSAGE));
        }
        c.callContexts().clear();
    }
}
