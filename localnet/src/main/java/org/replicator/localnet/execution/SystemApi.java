package org.replicator.localnet.execution;

import static org.replicator.localnet.execution.ApiType.CLEANUP;
import static org.replicator.localnet.execution.ApiType.COMPOSITE_QUERY;
import static org.replicator.localnet.execution.ApiType.INIT;
import static org.replicator.localnet.execution.ApiType.INSPECT_MESSAGE;
import static org.replicator.localnet.execution.ApiType.NON_REPLICATED_QUERY;
import static org.replicator.localnet.execution.ApiType.PRE_UPGRADE;
import static org.replicator.localnet.execution.ApiType.REJECT_CALLBACK;
import static org.replicator.localnet.execution.ApiType.REPLICATED_QUERY;
import static org.replicator.localnet.execution.ApiType.REPLY_CALLBACK;
import static org.replicator.localnet.execution.ApiType.START;
import static org.replicator.localnet.execution.ApiType.SYSTEM_TASK;
import static org.replicator.localnet.execution.ApiType.UPDATE;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.replicator.localnet.canister.Closure;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.memory.StableMemoryOutOfBoundsException;

/**
 * The {@code ic0} System API: the host functions a canister module imports. One instance serves
 * one canister; before each execution the runtime binds the {@link ExecutionContext}, and every
 * function first checks that the IC allows it in that context, as the interface specification's
 * availability table says.
 */
public final class SystemApi {
    /** Instructions charged per System API call, on top of the bytes it copies. */
    static final long CALL_OVERHEAD = 50;
    private static final int WASM_PAGE = 65536;
    private static final long STABLE32_MAX_PAGES = 65536;

    private static final Set<ApiType> ALL = EnumSet.complementOf(EnumSet.of(START));
    private static final Set<ApiType> ALL_AND_START = EnumSet.allOf(ApiType.class);
    private static final Set<ApiType> ARG_DATA = EnumSet.of(INIT, UPDATE, REPLICATED_QUERY, NON_REPLICATED_QUERY,
            COMPOSITE_QUERY, REPLY_CALLBACK, INSPECT_MESSAGE);
    private static final Set<ApiType> REPLYING = EnumSet.of(UPDATE, REPLICATED_QUERY, NON_REPLICATED_QUERY,
            COMPOSITE_QUERY, REPLY_CALLBACK, REJECT_CALLBACK);
    private static final Set<ApiType> CYCLES_IN = EnumSet.of(UPDATE, REPLICATED_QUERY, REPLY_CALLBACK,
            REJECT_CALLBACK);
    private static final Set<ApiType> CALLBACKS = EnumSet.of(REPLY_CALLBACK, REJECT_CALLBACK);
    private static final Set<ApiType> CALLING = EnumSet.of(UPDATE, REPLY_CALLBACK, REJECT_CALLBACK, SYSTEM_TASK);
    private static final Set<ApiType> CERTIFYING = EnumSet.of(INIT, PRE_UPGRADE, UPDATE, REPLY_CALLBACK,
            REJECT_CALLBACK, SYSTEM_TASK);
    private static final Set<ApiType> TIMER = EnumSet.of(INIT, PRE_UPGRADE, UPDATE, REPLY_CALLBACK,
            REJECT_CALLBACK, CLEANUP, SYSTEM_TASK);
    private static final Set<ApiType> BURNING = EnumSet.of(INIT, PRE_UPGRADE, UPDATE, REPLICATED_QUERY,
            REPLY_CALLBACK, REJECT_CALLBACK, CLEANUP, SYSTEM_TASK);

    private static final ValType I32 = ValType.I32;
    private static final ValType I64 = ValType.I64;

    private final StableMemory stable;
    private final Map<String, Function> functions = new LinkedHashMap<>();
    private ExecutionContext ctx;
    private int meterGlobal = -1;

    public SystemApi(StableMemory stable) {
        this.stable = stable;
        define();
    }

    /** Names and signatures of every ic0 function the localnet implements. */
    public static Map<String, FunctionType> signatures() {
        Map<String, FunctionType> out = new LinkedHashMap<>();
        new SystemApi(null).functions.forEach((name, f) -> out.put(name, f.type));
        return Collections.unmodifiableMap(out);
    }

    /** The host functions to link into an instance of a canister module. */
    public List<HostFunction> hostFunctions() {
        List<HostFunction> out = new ArrayList<>();
        for (Function f : functions.values()) {
            out.add(new HostFunction("ic0", f.name, f.type, (instance, args) -> invoke(f, instance, args)));
        }
        return out;
    }

    void bind(ExecutionContext context, int meterGlobalIndex) {
        this.ctx = context;
        this.meterGlobal = meterGlobalIndex;
    }

    void unbind() {
        this.ctx = null;
    }

    long instructionsUsed(Instance instance) {
        return ctx.instructionLimit - InstructionMeter.remaining(instance, meterGlobal);
    }

    private long[] invoke(Function f, Instance instance, long[] args) {
        ExecutionContext c = ctx;
        if (c == null) {
            throw CanisterTrap.contractViolation("\"ic0." + f.name + "\" cannot be executed outside a message");
        }
        if (!f.allowed.contains(c.apiType)) {
            throw CanisterTrap.contractViolation("\"ic0." + f.name + "\" cannot be executed in "
                    + c.apiType.description() + " mode");
        }
        charge(instance, CALL_OVERHEAD);
        return f.body.apply(new Call(instance, instance.memory(), args));
    }

    private void charge(Instance instance, long instructions) {
        long left = InstructionMeter.remaining(instance, meterGlobal) - instructions;
        InstructionMeter.setRemaining(instance, meterGlobal, left);
        if (left < 0) {
            throw new CanisterTrap(CanisterTrap.Kind.INSTRUCTION_LIMIT, Long.toString(ctx.instructionLimit));
        }
    }

    // ---- the table of functions ------------------------------------------------------------

    private void define() {
        fn("msg_arg_data_size", ARG_DATA, List.of(), List.of(I32), c -> i32(argument().length));
        fn("msg_arg_data_copy", ARG_DATA, List.of(I32, I32, I32), List.of(),
                c -> copyOut(c, "ic0.msg_arg_data_copy", argument()));
        fn("msg_caller_size", ALL, List.of(), List.of(I32), c -> i32(ctx.caller.length()));
        fn("msg_caller_copy", ALL, List.of(I32, I32, I32), List.of(),
                c -> copyOut(c, "ic0.msg_caller_copy", ctx.caller.bytes()));
        fn("msg_reject_code", EnumSet.of(REPLY_CALLBACK, REJECT_CALLBACK, CLEANUP), List.of(), List.of(I32),
                c -> i32(ctx.rejectCode));
        fn("msg_reject_msg_size", EnumSet.of(REJECT_CALLBACK), List.of(), List.of(I32),
                c -> i32(rejectMessage().length));
        fn("msg_reject_msg_copy", EnumSet.of(REJECT_CALLBACK), List.of(I32, I32, I32), List.of(),
                c -> copyOut(c, "ic0.msg_reject_msg_copy", rejectMessage()));
        fn("msg_deadline", EnumSet.of(UPDATE, REPLICATED_QUERY, NON_REPLICATED_QUERY, COMPOSITE_QUERY,
                REPLY_CALLBACK, REJECT_CALLBACK), List.of(), List.of(I64), c -> new long[] {0});
        fn("msg_reply_data_append", REPLYING, List.of(I32, I32), List.of(), this::replyDataAppend);
        fn("msg_reply", REPLYING, List.of(), List.of(), c -> reply());
        fn("msg_reject", REPLYING, List.of(I32, I32), List.of(), this::reject);
        fn("msg_cycles_available128", CYCLES_IN, List.of(I32), List.of(),
                c -> write128(c, c.addr(0), ctx.cyclesAvailable));
        fn("msg_cycles_available", CYCLES_IN, List.of(), List.of(I64), c -> new long[] {ctx.cyclesAvailable});
        fn("msg_cycles_refunded128", CALLBACKS, List.of(I32), List.of(),
                c -> write128(c, c.addr(0), ctx.cyclesRefunded));
        fn("msg_cycles_refunded", CALLBACKS, List.of(), List.of(I64), c -> new long[] {ctx.cyclesRefunded});
        fn("msg_cycles_accept128", CYCLES_IN, List.of(I64, I64, I32), List.of(),
                c -> write128(c, c.addr(2), accept(c.args[0] != 0 ? Long.MAX_VALUE : c.args[1])));
        fn("msg_cycles_accept", CYCLES_IN, List.of(I64), List.of(I64), c -> new long[] {accept(c.args[0])});
        fn("cycles_burn128", BURNING, List.of(I64, I64, I32), List.of(),
                c -> write128(c, c.addr(2), burn(c.args[0] != 0 ? Long.MAX_VALUE : c.args[1])));
        fn("canister_self_size", ALL, List.of(), List.of(I32), c -> i32(ctx.canisterId.length()));
        fn("canister_self_copy", ALL, List.of(I32, I32, I32), List.of(),
                c -> copyOut(c, "ic0.canister_self_copy", ctx.canisterId.bytes()));
        fn("canister_cycle_balance128", ALL, List.of(I32), List.of(), c -> write128(c, c.addr(0), ctx.balance));
        fn("canister_cycle_balance", ALL, List.of(), List.of(I64), c -> new long[] {ctx.balance});
        fn("canister_liquid_cycle_balance128", ALL, List.of(I32), List.of(),
                c -> write128(c, c.addr(0), liquidBalance()));
        fn("canister_status", ALL, List.of(), List.of(I32), c -> i32(ctx.canisterStatus));
        fn("canister_version", ALL, List.of(), List.of(I64), c -> new long[] {ctx.canisterVersion});
        fn("subnet_self_size", ALL, List.of(), List.of(I32), c -> i32(ctx.subnetId.length()));
        fn("subnet_self_copy", ALL, List.of(I32, I32, I32), List.of(),
                c -> copyOut(c, "ic0.subnet_self_copy", ctx.subnetId.bytes()));
        fn("msg_method_name_size", EnumSet.of(INSPECT_MESSAGE), List.of(), List.of(I32),
                c -> i32(ctx.methodName.getBytes(StandardCharsets.UTF_8).length));
        fn("msg_method_name_copy", EnumSet.of(INSPECT_MESSAGE), List.of(I32, I32, I32), List.of(),
                c -> copyOut(c, "ic0.msg_method_name_copy", ctx.methodName.getBytes(StandardCharsets.UTF_8)));
        fn("accept_message", EnumSet.of(INSPECT_MESSAGE), List.of(), List.of(), c -> acceptMessage());
        fn("call_new", CALLING, List.of(I32, I32, I32, I32, I32, I32, I32, I32), List.of(), this::callNew);
        fn("call_on_cleanup", CALLING, List.of(I32, I32), List.of(), this::callOnCleanup);
        fn("call_data_append", CALLING, List.of(I32, I32), List.of(), this::callDataAppend);
        fn("call_with_best_effort_response", CALLING, List.of(I32), List.of(), c -> bestEffort());
        fn("call_cycles_add128", EnumSet.of(UPDATE, REPLY_CALLBACK, REJECT_CALLBACK, SYSTEM_TASK),
                List.of(I64, I64), List.of(), c -> callCyclesAdd(c.args[0], c.args[1]));
        fn("call_cycles_add", EnumSet.of(UPDATE, REPLY_CALLBACK, REJECT_CALLBACK, SYSTEM_TASK),
                List.of(I64), List.of(), c -> callCyclesAdd(0, c.args[0]));
        fn("call_perform", CALLING, List.of(), List.of(I32), c -> i32(callPerform()));
        fn("stable64_size", ALL_AND_START, List.of(), List.of(I64), c -> new long[] {stable.sizePages()});
        fn("stable64_grow", ALL_AND_START, List.of(I64), List.of(I64), c -> new long[] {stable.grow(c.args[0])});
        fn("stable64_write", ALL_AND_START, List.of(I64, I64, I64), List.of(),
                c -> stableWrite(c, c.args[0], c.args[1], c.args[2]));
        fn("stable64_read", ALL_AND_START, List.of(I64, I64, I64), List.of(),
                c -> stableRead(c, c.args[0], c.args[1], c.args[2]));
        fn("stable_size", ALL_AND_START, List.of(), List.of(I32), c -> i32(stable32Size()));
        fn("stable_grow", ALL_AND_START, List.of(I32), List.of(I32), c -> i32(stable32Grow(c.u32(0))));
        fn("stable_write", ALL_AND_START, List.of(I32, I32, I32), List.of(),
                c -> stableWrite(c, c.u32(0), c.u32(1), c.u32(2)));
        fn("stable_read", ALL_AND_START, List.of(I32, I32, I32), List.of(),
                c -> stableRead(c, c.u32(0), c.u32(1), c.u32(2)));
        fn("certified_data_set", CERTIFYING, List.of(I32, I32), List.of(), this::certifiedDataSet);
        fn("data_certificate_present", ALL, List.of(), List.of(I32), c -> i32(ctx.dataCertificate == null ? 0 : 1));
        fn("data_certificate_size", EnumSet.of(NON_REPLICATED_QUERY, COMPOSITE_QUERY), List.of(), List.of(I32),
                c -> i32(dataCertificate().length));
        fn("data_certificate_copy", EnumSet.of(NON_REPLICATED_QUERY, COMPOSITE_QUERY), List.of(I32, I32, I32),
                List.of(), c -> copyOut(c, "ic0.data_certificate_copy", dataCertificate()));
        fn("time", ALL, List.of(), List.of(I64), c -> new long[] {ctx.timeNanos});
        fn("global_timer_set", TIMER, List.of(I64), List.of(I64), c -> new long[] {globalTimerSet(c.args[0])});
        fn("performance_counter", ALL_AND_START, List.of(I32), List.of(I64),
                c -> new long[] {performanceCounter(c)});
        fn("is_controller", ALL_AND_START, List.of(I32, I32), List.of(I32), c -> i32(isController(c)));
        fn("in_replicated_execution", ALL_AND_START, List.of(), List.of(I32),
                c -> i32(ctx.apiType.isReplicated() ? 1 : 0));
        fn("cost_call", ALL_AND_START, List.of(I64, I64, I32), List.of(),
                c -> write128(c, c.addr(2), ctx.fees.callCost(c.args[0] + c.args[1])));
        fn("cost_create_canister", ALL_AND_START, List.of(I32), List.of(),
                c -> write128(c, c.addr(0), ctx.fees.canisterCreationFee()));
        fn("debug_print", ALL_AND_START, List.of(I32, I32), List.of(), this::debugPrint);
        fn("trap", ALL_AND_START, List.of(I32, I32), List.of(), this::trap);
    }

    private void fn(String name, Set<ApiType> allowed, List<ValType> params, List<ValType> results,
            java.util.function.Function<Call, long[]> body) {
        functions.put(name, new Function(name, allowed, FunctionType.of(params, results), body));
    }

    private record Function(String name, Set<ApiType> allowed, FunctionType type,
            java.util.function.Function<Call, long[]> body) {
    }

    /** One invocation's arguments and memory. */
    private static final class Call {
        final Instance instance;
        final Memory memory;
        final long[] args;

        Call(Instance instance, Memory memory, long[] args) {
            this.instance = instance;
            this.memory = memory;
            this.args = args;
        }

        long u32(int i) {
            return args[i] & 0xFFFF_FFFFL;
        }

        int addr(int i) {
            return (int) args[i];
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static long[] i32(long v) {
        return new long[] {v};
    }

    private byte[] argument() {
        if (ctx.argument == null) {
            throw CanisterTrap.contractViolation("the message has no argument data in "
                    + ctx.apiType.description() + " mode");
        }
        return ctx.argument;
    }

    private byte[] rejectMessage() {
        return ctx.rejectMessage == null ? new byte[0] : ctx.rejectMessage.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] dataCertificate() {
        if (ctx.dataCertificate == null) {
            throw CanisterTrap.contractViolation("no data certificate is available in this execution");
        }
        return ctx.dataCertificate;
    }

    /** Checks that [addr, addr + len) lies in the wasm heap. */
    private static void checkHeap(Call c, String api, long addr, long len) {
        long heapSize = (long) c.memory.pages() * WASM_PAGE;
        if (addr < 0 || len < 0 || addr + len > heapSize) {
            throw CanisterTrap.contractViolation(api + ": heap range [" + addr + ", " + (addr + len)
                    + ") is out of bounds of the " + heapSize + "-byte heap");
        }
    }

    private byte[] readHeap(Call c, String api, long addr, long len) {
        checkHeap(c, api, addr, len);
        charge(c.instance, len);
        return c.memory.readBytes((int) addr, (int) len);
    }

    /** The blob idiom: copy blob[offset, offset + size) to the heap at dst. */
    private long[] copyOut(Call c, String api, byte[] blob) {
        long dst = c.u32(0);
        long offset = c.u32(1);
        long size = c.u32(2);
        if (offset + size > blob.length) {
            throw CanisterTrap.contractViolation(api + ": offset " + offset + " + size " + size
                    + " is beyond the " + blob.length + "-byte source");
        }
        checkHeap(c, api, dst, size);
        charge(c.instance, size);
        c.memory.write((int) dst, blob, (int) offset, (int) size);
        return null;
    }

    private long[] write128(Call c, int dst, long value) {
        checkHeap(c, "128-bit result", Integer.toUnsignedLong(dst), 16);
        byte[] le = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(value).putLong(0).array();
        c.memory.write(dst, le);
        return null;
    }

    // ---- replies ------------------------------------------------------------------------------

    private void requireUnanswered(String api) {
        if (ctx.responded || ctx.response != null) {
            throw CanisterTrap.contractViolation(api + ": the call was already answered");
        }
    }

    private long[] replyDataAppend(Call c) {
        requireUnanswered("ic0.msg_reply_data_append");
        byte[] data = readHeap(c, "ic0.msg_reply_data_append", c.u32(0), c.u32(1));
        if ((long) ctx.replyData.size() + data.length > ctx.maxResponseSize) {
            throw CanisterTrap.contractViolation("ic0.msg_reply_data_append: application payload size ("
                    + ((long) ctx.replyData.size() + data.length) + ") cannot be larger than " + ctx.maxResponseSize);
        }
        ctx.replyData.writeBytes(data);
        return null;
    }

    private long[] reply() {
        requireUnanswered("ic0.msg_reply");
        ctx.response = new ExecutionContext.ExecutionResponse.Reply(ctx.replyData.toByteArray());
        ctx.replyData.reset();
        return null;
    }

    private long[] reject(Call c) {
        requireUnanswered("ic0.msg_reject");
        byte[] raw = readHeap(c, "ic0.msg_reject", c.u32(0), c.u32(1));
        String message;
        try {
            message = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw CanisterTrap.contractViolation("ic0.msg_reject: the reject message is not valid UTF-8");
        }
        ctx.response = new ExecutionContext.ExecutionResponse.Reject(message);
        ctx.replyData.reset();
        return null;
    }

    // ---- cycles ------------------------------------------------------------------------------

    private long accept(long max) {
        long amount = Math.min(Math.max(max, 0), ctx.cyclesAvailable);
        ctx.cyclesAvailable -= amount;
        ctx.cyclesAccepted += amount;
        ctx.balance += amount;
        return amount;
    }

    private long burn(long max) {
        long amount = Math.min(Math.max(max, 0), liquidBalance());
        ctx.balance -= amount;
        ctx.cyclesBurned += amount;
        return amount;
    }

    private long liquidBalance() {
        return Math.max(0, ctx.balance - ctx.freezingThresholdCycles);
    }

    // ---- inter-canister calls -----------------------------------------------------------------

    private long[] callNew(Call c) {
        byte[] callee = readHeap(c, "ic0.call_new", c.u32(0), c.u32(1));
        if (callee.length > Principal.MAX_LENGTH) {
            throw CanisterTrap.contractViolation("ic0.call_new: the callee is not a valid principal ("
                    + callee.length + " bytes)");
        }
        byte[] name = readHeap(c, "ic0.call_new", c.u32(2), c.u32(3));
        if (name.length > ResourceLimits.MAX_LOCAL_PAYLOAD) {
            throw CanisterTrap.contractViolation("Size of method_name " + name.length
                    + " exceeds the allowed limit of " + ResourceLimits.MAX_LOCAL_PAYLOAD);
        }
        abandonCallInPrep();
        ctx.callInPrep = new ExecutionContext.CallUnderConstruction(Principal.of(callee),
                new String(name, StandardCharsets.UTF_8),
                new Closure((int) c.args[4], (int) c.args[5]), new Closure((int) c.args[6], (int) c.args[7]));
        return null;
    }

    /** A call abandoned before ic0.call_perform gives its attached cycles back. */
    private void abandonCallInPrep() {
        if (ctx.callInPrep != null) {
            ctx.balance += ctx.callInPrep.cycles;
            ctx.callInPrep = null;
        }
    }

    private ExecutionContext.CallUnderConstruction callInPrep(String api) {
        if (ctx.callInPrep == null) {
            throw CanisterTrap.contractViolation(api + " called when no call is under construction");
        }
        return ctx.callInPrep;
    }

    private long[] callOnCleanup(Call c) {
        ExecutionContext.CallUnderConstruction call = callInPrep("ic0.call_on_cleanup");
        if (call.onCleanup != null) {
            throw CanisterTrap.contractViolation(
                    "ic0.call_on_cleanup can be called at most once between `ic0.call_new` and `ic0.call_perform`");
        }
        call.onCleanup = new Closure((int) c.args[0], (int) c.args[1]);
        return null;
    }

    private long[] callDataAppend(Call c) {
        ExecutionContext.CallUnderConstruction call = callInPrep("ic0.call_data_append");
        long size = c.u32(1);
        long current = call.methodName.length() + (long) call.arg.size();
        if (current + size > ResourceLimits.MAX_LOCAL_PAYLOAD) {
            throw CanisterTrap.contractViolation("Request to " + call.callee + ":" + call.methodName
                    + " has a payload size of " + (current + size) + ", which exceeds the allowed limit of "
                    + ResourceLimits.MAX_LOCAL_PAYLOAD);
        }
        call.arg.writeBytes(readHeap(c, "ic0.call_data_append", c.u32(0), size));
        return null;
    }

    private long[] bestEffort() {
        ExecutionContext.CallUnderConstruction call = callInPrep("ic0.call_with_best_effort_response");
        if (call.timeoutSet) {
            throw CanisterTrap.contractViolation(
                    "ic0.call_with_best_effort_response can be called at most once per call");
        }
        // The localnet delivers every response, so a best-effort call behaves like a guaranteed one.
        call.timeoutSet = true;
        return null;
    }

    private long[] callCyclesAdd(long high, long low) {
        ExecutionContext.CallUnderConstruction call = callInPrep("ic0.call_cycles_add128");
        if (high != 0 || low < 0 || low > ctx.balance) {
            throw CanisterTrap.contractViolation("ic0.call_cycles_add128: cannot attach more cycles than the "
                    + ctx.balance + " the canister holds");
        }
        ctx.balance -= low;
        call.cycles += low;
        return null;
    }

    /** Returns 0 when the call is queued, or the reject code 2 when it cannot be paid for. */
    private int callPerform() {
        ExecutionContext.CallUnderConstruction call = callInPrep("ic0.call_perform");
        byte[] arg = call.arg.toByteArray();
        long callFee = ctx.fees.callCost(call.methodName.length() + (long) arg.length);
        long prepaidTransmission = ctx.fees.transmissionCost(ResourceLimits.MAX_RESPONSE);
        long prepaidExecution = ctx.fees.executionCost(ctx.responseInstructionLimit);
        long total = callFee + prepaidTransmission + prepaidExecution;
        if (ctx.balance - total < ctx.freezingThresholdCycles) {
            abandonCallInPrep();
            return 2;
        }
        ctx.balance -= total;
        ctx.calls.add(new PendingCall(call.callee, call.methodName, arg, call.cycles, call.onReply, call.onReject,
                call.onCleanup, callFee, prepaidExecution, prepaidTransmission));
        ctx.callInPrep = null;
        return 0;
    }

    // ---- stable memory ------------------------------------------------------------------------

    private long stable32Size() {
        long pages = stable.sizePages();
        if (pages > STABLE32_MAX_PAGES) {
            throw CanisterTrap.contractViolation("32 bit stable memory api used on a memory larger than 4GB");
        }
        return pages;
    }

    private long stable32Grow(long additional) {
        long pages = stable32Size();
        if (pages + additional > STABLE32_MAX_PAGES) {
            return -1;
        }
        return stable.grow(additional);
    }

    private long[] stableWrite(Call c, long offset, long src, long size) {
        checkHeap(c, "ic0.stable64_write", src, size);
        charge(c.instance, size);
        try {
            stable.write(offset, c.memory, (int) src, (int) size);
        } catch (StableMemoryOutOfBoundsException e) {
            throw CanisterTrap.wasm("stable memory out of bounds");
        }
        return null;
    }

    private long[] stableRead(Call c, long dst, long offset, long size) {
        checkHeap(c, "ic0.stable64_read", dst, size);
        charge(c.instance, size);
        try {
            stable.read(offset, c.memory, (int) dst, (int) size);
        } catch (StableMemoryOutOfBoundsException e) {
            throw CanisterTrap.wasm("stable memory out of bounds");
        }
        return null;
    }

    // ---- the rest -----------------------------------------------------------------------------

    private long[] acceptMessage() {
        if (ctx.messageAccepted) {
            throw CanisterTrap.contractViolation("ic0.accept_message: the message was already accepted");
        }
        ctx.messageAccepted = true;
        return null;
    }

    private long[] certifiedDataSet(Call c) {
        long size = c.u32(1);
        if (size > ResourceLimits.MAX_CERTIFIED_DATA) {
            throw CanisterTrap.contractViolation("ic0.certified_data_set: certified data has " + size
                    + " bytes, at most " + ResourceLimits.MAX_CERTIFIED_DATA + " are allowed");
        }
        ctx.newCertifiedData = readHeap(c, "ic0.certified_data_set", c.u32(0), size);
        return null;
    }

    private long globalTimerSet(long timestamp) {
        long previous = ctx.currentGlobalTimer;
        ctx.currentGlobalTimer = timestamp;
        ctx.newGlobalTimer = timestamp;
        return previous;
    }

    private long performanceCounter(Call c) {
        long current = ctx.instructionLimit - InstructionMeter.remaining(c.instance, meterGlobal);
        return switch ((int) c.args[0]) {
            case 0 -> current;
            case 1 -> current + (ctx.callContext == null ? 0 : ctx.callContext.instructions());
            default -> throw CanisterTrap.contractViolation("ic0.performance_counter: unknown counter type "
                    + c.args[0]);
        };
    }

    private int isController(Call c) {
        byte[] bytes = readHeap(c, "ic0.is_controller", c.u32(0), c.u32(1));
        if (bytes.length > Principal.MAX_LENGTH) {
            throw CanisterTrap.contractViolation("ic0.is_controller: the argument is not a valid principal");
        }
        return ctx.controllers.contains(Principal.of(bytes)) ? 1 : 0;
    }

    /** Never traps: out-of-bounds text is cut to the heap, as the IC does for logs. */
    private long[] debugPrint(Call c) {
        byte[] text = readClamped(c, c.u32(0), c.u32(1));
        charge(c.instance, text.length);
        ctx.logs.add(new String(text, StandardCharsets.UTF_8));
        return null;
    }

    private long[] trap(Call c) {
        byte[] text = readClamped(c, c.u32(0), c.u32(1));
        throw new CanisterTrap(CanisterTrap.Kind.EXPLICIT, new String(text, StandardCharsets.UTF_8));
    }

    private static byte[] readClamped(Call c, long addr, long len) {
        long heapSize = (long) c.memory.pages() * WASM_PAGE;
        long start = Math.min(addr, heapSize);
        long end = Math.min(addr + len, heapSize);
        return c.memory.readBytes((int) start, (int) (end - start));
    }
}
