package org.replicator.localnet.persistence;

import org.replicator.localnet.canister.CallOrigin;
import org.replicator.localnet.canister.CanisterInput;
import org.replicator.localnet.canister.Closure;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.CallResult;
import org.replicator.localnet.messages.CanisterMessage;
import org.replicator.localnet.messages.ErrorCode;
import org.replicator.localnet.messages.IngressCall;
import org.replicator.localnet.messages.RejectCode;
import org.replicator.localnet.messages.Request;
import org.replicator.localnet.messages.Response;

/** Binary encoding of the messages and call bookkeeping a subnet persists. */
public final class MessageCodec {
    private static final int REQUEST = 1;
    private static final int RESPONSE = 2;

    private MessageCodec() {
    }

    public static void write(StateWriter w, CanisterMessage m) {
        if (m instanceof Request r) {
            w.u8(REQUEST).principal(r.sender()).principal(r.receiver()).string(r.methodName()).bytes(r.arg())
                    .i64(r.cycles()).i64(r.callbackId());
        } else {
            Response r = (Response) m;
            w.u8(RESPONSE).principal(r.originator()).principal(r.respondent()).i64(r.callbackId()).i64(r.refund());
            write(w, r.result());
        }
    }

    public static CanisterMessage readMessage(StateReader r) {
        int kind = r.u8();
        if (kind == REQUEST) {
            return new Request(r.principal(), r.principal(), r.string(), r.bytes(), r.i64(), r.i64());
        }
        if (kind != RESPONSE) {
            throw new IllegalStateException("persisted state holds an unknown message kind " + kind);
        }
        return new Response(r.principal(), r.principal(), r.i64(), null, r.i64()).withResult(readResult(r));
    }

    public static void write(StateWriter w, CallResult result) {
        if (result instanceof CallResult.Replied replied) {
            w.u8(0).bytes(replied.payload());
        } else {
            CallResult.Rejected rejected = (CallResult.Rejected) result;
            w.u8(1).i32(rejected.rejectCode().code()).string(rejected.message())
                    .string(rejected.errorCode() == null ? null : rejected.errorCode().name());
        }
    }

    public static CallResult readResult(StateReader r) {
        if (r.u8() == 0) {
            return new CallResult.Replied(r.bytes());
        }
        RejectCode code = RejectCode.of(r.i32());
        String message = r.string();
        String error = r.string();
        return new CallResult.Rejected(code, message, error == null ? null : ErrorCode.valueOf(error));
    }

    public static void write(StateWriter w, IngressCall c) {
        w.bytes(c.requestId().bytes()).principal(c.sender()).principal(c.canisterId())
                .principal(c.effectiveCanisterId()).string(c.methodName()).bytes(c.arg()).i64(c.ingressExpiryNanos());
    }

    public static IngressCall readIngress(StateReader r) {
        return new IngressCall(RequestId.of(r.bytes()), r.principal(), r.principal(), r.principal(), r.string(),
                r.bytes(), r.i64());
    }

    public static void write(StateWriter w, CallOrigin origin) {
        if (origin instanceof CallOrigin.Ingress i) {
            w.u8(0).bytes(i.requestId().bytes()).principal(i.sender());
        } else if (origin instanceof CallOrigin.Canister c) {
            w.u8(1).principal(c.caller()).i64(c.callbackId());
        } else {
            w.u8(2);
        }
    }

    public static CallOrigin readOrigin(StateReader r) {
        return switch (r.u8()) {
            case 0 -> new CallOrigin.Ingress(RequestId.of(r.bytes()), r.principal());
            case 1 -> new CallOrigin.Canister(r.principal(), r.i64());
            default -> new CallOrigin.SystemTask();
        };
    }

    public static void write(StateWriter w, CanisterInput input) {
        if (input instanceof CanisterInput.IngressInput i) {
            w.u8(0);
            write(w, i.call());
        } else if (input instanceof CanisterInput.RequestInput r) {
            w.u8(1);
            write(w, r.request());
        } else if (input instanceof CanisterInput.ResponseInput r) {
            w.u8(2);
            write(w, r.response());
        } else {
            w.u8(3).u8(((CanisterInput.TaskInput) input).task().ordinal());
        }
    }

    public static CanisterInput readInput(StateReader r) {
        return switch (r.u8()) {
            case 0 -> new CanisterInput.IngressInput(readIngress(r));
            case 1 -> new CanisterInput.RequestInput((Request) readMessage(r));
            case 2 -> new CanisterInput.ResponseInput((Response) readMessage(r));
            default -> new CanisterInput.TaskInput(CanisterInput.Task.values()[r.u8()]);
        };
    }

    public static void write(StateWriter w, Closure c) {
        if (c == null) {
            w.bool(false);
        } else {
            w.bool(true).i32(c.function()).i32(c.env());
        }
    }

    public static Closure readClosure(StateReader r) {
        return r.bool() ? new Closure(r.i32(), r.i32()) : null;
    }
}
