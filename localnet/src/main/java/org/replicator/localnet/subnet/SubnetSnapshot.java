package org.replicator.localnet.subnet;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.replicator.localnet.canister.CallContext;
import org.replicator.localnet.canister.CallOrigin;
import org.replicator.localnet.canister.Callback;
import org.replicator.localnet.canister.CanisterInput;
import org.replicator.localnet.canister.CanisterLog;
import org.replicator.localnet.canister.CanisterMetrics;
import org.replicator.localnet.canister.CanisterSettings;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.canister.CanisterStatus;
import org.replicator.localnet.execution.CanisterRuntime;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.management.ManagementCanister.ManagementCall;
import org.replicator.localnet.messages.CanisterMessage;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.IngressStatus;
import org.replicator.localnet.messages.RejectCode;
import org.replicator.localnet.network.XNetStream;
import org.replicator.localnet.persistence.MessageCodec;
import org.replicator.localnet.persistence.StateReader;
import org.replicator.localnet.persistence.StateWriter;

/**
 * Everything a subnet holds apart from canister memory (heap and stable pages, which are
 * persisted page by page): canisters' settings, cycles, calls in flight, queues, the ingress
 * history and the positions in the cross-subnet streams. Written after every committed round.
 */
public final class SubnetSnapshot {
    private static final int FORMAT = 1;

    /** Rebuilds a canister's running code from what was persisted. */
    public interface RuntimeRestorer {
        CanisterRuntime restore(Principal canister, byte[] moduleHash, long stableGeneration, long runtimeGeneration,
                long stablePages, int heapPages, long[] globals);
    }

    private SubnetSnapshot() {
    }

    public static byte[] write(Subnet s) {
        StateWriter w = new StateWriter();
        w.i32(FORMAT).i64(s.height).i64(s.lastRoundTime).i64(s.nextCanisterIndex);
        w.i32(s.canisters.size());
        for (CanisterState c : s.canisters.values()) {
            writeCanister(w, c);
        }
        w.i32(s.ingressQueue.size());
        s.ingressQueue.forEach(call -> MessageCodec.write(w, call));
        w.i32(s.managementQueue.size());
        for (ManagementCall m : s.managementQueue) {
            MessageCodec.write(w, m.origin());
            w.principal(m.caller()).string(m.method()).bytes(m.arg()).i64(m.cycles()).bool(m.ingress());
        }
        Map<RequestId, IngressHistory.Entry> history = s.history.entries();
        w.i32(history.size());
        history.forEach((id, e) -> {
            w.bytes(id.bytes());
            writeStatus(w, e.status());
            w.i64(e.completedAtNanos());
        });
        // Holds from fault rules are not persisted: rules belong to the control plane and are gone
        // after a restart, so what they held is released.
        writePositions(w, s.inducted);
        List<XNetStream> outgoing = s.outgoingStreams();
        w.i32(outgoing.size());
        for (XNetStream stream : outgoing) {
            List<CanisterMessage> messages;
            long begin;
            synchronized (stream) {
                begin = stream.begin();
                messages = new ArrayList<>(stream.snapshot());
            }
            // The round being journaled sends these only after the journal has them (so no other
            // subnet sees a message a restart could take back), but the canisters' state in this
            // same record already waits for their responses: they belong in the record, or a kill
            // before this subnet's next round loses the calls while their callbacks stay open.
            messages.addAll(s.outgoing.getOrDefault(stream.to(), List.of()));
            w.principal(stream.to()).i64(begin).i32(messages.size());
            messages.forEach(m -> MessageCodec.write(w, m));
        }
        return w.toByteArray();
    }

    public static void restore(Subnet s, byte[] snapshot, RuntimeRestorer runtimes) {
        StateReader r = new StateReader(snapshot);
        int format = r.i32();
        if (format != FORMAT) {
            throw new IllegalStateException("subnet state has format " + format + "; this localnet reads format " + FORMAT);
        }
        s.height = r.i64();
        s.lastRoundTime = r.i64();
        s.roundTime = s.lastRoundTime;
        s.nextCanisterIndex = r.i64();
        s.canisters.clear();
        int canisters = r.i32();
        for (int i = 0; i < canisters; i++) {
            CanisterState c = readCanister(r, runtimes);
            s.canisters.put(c.id(), c);
        }
        s.ingressQueue.clear();
        for (int n = r.i32(); n > 0; n--) {
            s.ingressQueue.add(MessageCodec.readIngress(r));
        }
        s.managementQueue.clear();
        for (int n = r.i32(); n > 0; n--) {
            CallOrigin origin = MessageCodec.readOrigin(r);
            s.managementQueue.add(new ManagementCall(origin, r.principal(), r.string(), r.bytes(), r.i64(), r.bool()));
        }
        for (int n = r.i32(); n > 0; n--) {
            RequestId id = RequestId.of(r.bytes());
            IngressStatus status = readStatus(r);
            s.history.restore(id, status, r.i64());
        }
        readPositions(r, s.inducted);
        s.heldUntil.clear();
        s.delayedIndex.clear();
        for (int n = r.i32(); n > 0; n--) {
            Principal to = r.principal();
            long begin = r.i64();
            List<CanisterMessage> messages = new ArrayList<>();
            for (int m = r.i32(); m > 0; m--) {
                messages.add(MessageCodec.readMessage(r));
            }
            s.outgoingStream(to).restore(begin, messages);
        }
        s.restored();
    }

    private static void writePositions(StateWriter w, Map<Principal, Long> positions) {
        w.i32(positions.size());
        positions.forEach((k, v) -> w.principal(k).i64(v));
    }

    private static void readPositions(StateReader r, Map<Principal, Long> positions) {
        positions.clear();
        for (int n = r.i32(); n > 0; n--) {
            positions.put(r.principal(), r.i64());
        }
    }

    private static void writeStatus(StateWriter w, IngressStatus st) {
        w.u8(st.state().ordinal()).bytes(st.reply()).i32(st.rejectCode() == null ? 0 : st.rejectCode().code())
                .string(st.rejectMessage()).string(st.errorCode() == null ? null : st.errorCode().name())
                .principal(st.sender()).principal(st.effectiveCanisterId()).i64(st.ingressExpiryNanos());
    }

    private static IngressStatus readStatus(StateReader r) {
        IngressStatus.State state = IngressStatus.State.values()[r.u8()];
        byte[] reply = r.bytes();
        int rejectCode = r.i32();
        String message = r.string();
        String error = r.string();
        return new IngressStatus(state, reply, rejectCode == 0 ? null : RejectCode.of(rejectCode), message,
                error == null ? null : ErrorCode.valueOf(error), r.principal(), r.principal(), r.i64());
    }

    private static void writeCanister(StateWriter w, CanisterState c) {
        w.principal(c.id());
        CanisterSettings st = c.settings();
        w.i32(st.controllers().size());
        st.controllers().forEach(w::principal);
        w.i64(st.computeAllocation()).i64(st.memoryAllocation()).i64(st.freezingThresholdSeconds())
                .i64(st.reservedCyclesLimit()).i64(st.wasmMemoryLimit()).i64(st.wasmMemoryThreshold())
                .u8(st.logVisibility().ordinal());
        w.u8(c.status().ordinal()).i64(c.balance()).bytes(c.certifiedData()).i64(c.globalTimerNanos())
                .i64(c.version()).i64(c.stableGeneration()).i64(c.runtimeGeneration());
        CanisterRuntime rt = c.runtime();
        w.bool(rt != null);
        if (rt != null) {
            w.bytes(rt.module().sha256()).i64(rt.stable().sizePages()).i32(rt.heap().pages());
            long[] globals = rt.saveGlobals();
            w.i32(globals.length);
            for (long g : globals) {
                w.i64(g);
            }
        }
        w.i32(c.callContexts().size());
        for (CallContext cc : c.callContexts().values()) {
            w.i64(cc.id());
            MessageCodec.write(w, cc.origin());
            w.string(cc.methodName()).i64(cc.cyclesAvailable()).bool(cc.responded()).i32(cc.outstandingCallbacks())
                    .i64(cc.instructions());
        }
        w.i32(c.callbacks().size());
        for (Callback cb : c.callbacks().values()) {
            w.i64(cb.id()).i64(cb.callContextId()).principal(cb.respondent());
            MessageCodec.write(w, cb.onReply());
            MessageCodec.write(w, cb.onReject());
            MessageCodec.write(w, cb.onCleanup());
            w.i64(cb.cyclesSent()).i64(cb.prepaidResponseExecution()).i64(cb.prepaidResponseTransmission());
        }
        w.i64(c.nextCallContextId()).i64(c.nextCallbackId());
        w.i32(c.inputs().size());
        c.inputs().forEach(in -> MessageCodec.write(w, in));
        w.i32(c.stopWaiters().size());
        c.stopWaiters().forEach(o -> MessageCodec.write(w, o));
        CanisterMetrics m = c.metrics();
        w.i64(m.messagesExecuted).i64(m.instructionsExecuted).i64(m.cyclesForExecution).i64(m.cyclesForIngress)
                .i64(m.cyclesForCalls).i64(m.cyclesForStorage).i64(m.cyclesSent).i64(m.cyclesReceived)
                .i64(m.cyclesBurned);
        w.i64(c.storageChargedAtNanos()).bytes(c.storageRemainder().toByteArray()).i64(c.lastHeartbeatNanos());
        List<CanisterLog.Entry> logs = c.log().entries();
        w.i32(logs.size());
        logs.forEach(e -> w.i64(e.timeNanos()).string(e.text()));
    }

    private static CanisterState readCanister(StateReader r, RuntimeRestorer runtimes) {
        Principal id = r.principal();
        List<Principal> controllers = new ArrayList<>();
        for (int n = r.i32(); n > 0; n--) {
            controllers.add(r.principal());
        }
        CanisterSettings settings = new CanisterSettings(controllers, r.i64(), r.i64(), r.i64(), r.i64(), r.i64(),
                r.i64(), CanisterSettings.LogVisibility.values()[r.u8()]);
        CanisterStatus status = CanisterStatus.values()[r.u8()];
        long balance = r.i64();
        CanisterState c = new CanisterState(id, settings, balance, 0);
        c.setStatus(status);
        c.setCertifiedData(r.bytes());
        c.setGlobalTimerNanos(r.i64());
        c.setVersion(r.i64());
        c.setStableGeneration(r.i64());
        c.setRuntimeGeneration(r.i64());
        if (r.bool()) {
            byte[] moduleHash = r.bytes();
            long stablePages = r.i64();
            int heapPages = r.i32();
            long[] globals = new long[r.i32()];
            for (int i = 0; i < globals.length; i++) {
                globals[i] = r.i64();
            }
            c.setRuntime(runtimes.restore(id, moduleHash, c.stableGeneration(), c.runtimeGeneration(), stablePages,
                    heapPages, globals));
        }
        for (int n = r.i32(); n > 0; n--) {
            long ccId = r.i64();
            CallOrigin origin = MessageCodec.readOrigin(r);
            CallContext cc = new CallContext(ccId, origin, r.string(), r.i64(), r.bool(), r.i32(), r.i64());
            c.callContexts().put(cc.id(), cc);
        }
        for (int n = r.i32(); n > 0; n--) {
            Callback cb = new Callback(r.i64(), r.i64(), r.principal(), MessageCodec.readClosure(r),
                    MessageCodec.readClosure(r), MessageCodec.readClosure(r), r.i64(), r.i64(), r.i64());
            c.callbacks().put(cb.id(), cb);
        }
        c.restoreCounters(r.i64(), r.i64());
        for (int n = r.i32(); n > 0; n--) {
            c.inputs().add(MessageCodec.readInput(r));
        }
        for (int n = r.i32(); n > 0; n--) {
            c.stopWaiters().add(MessageCodec.readOrigin(r));
        }
        CanisterMetrics m = c.metrics();
        m.messagesExecuted = r.i64();
        m.instructionsExecuted = r.i64();
        m.cyclesForExecution = r.i64();
        m.cyclesForIngress = r.i64();
        m.cyclesForCalls = r.i64();
        m.cyclesForStorage = r.i64();
        m.cyclesSent = r.i64();
        m.cyclesReceived = r.i64();
        m.cyclesBurned = r.i64();
        long chargedAt = r.i64();
        c.setStorageCharged(chargedAt, new BigInteger(r.bytes()));
        c.setLastHeartbeatNanos(r.i64());
        for (int n = r.i32(); n > 0; n--) {
            c.log().append(r.i64(), r.string());
        }
        return c;
    }

    /** Inputs of a restored canister, for tests that check what survived. */
    static List<CanisterInput> inputs(CanisterState c) {
        return new ArrayList<>(c.inputs());
    }
}
