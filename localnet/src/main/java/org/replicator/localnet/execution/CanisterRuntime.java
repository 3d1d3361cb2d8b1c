package org.replicator.localnet.execution;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;
import org.replicator.localnet.canister.Closure;
import org.replicator.localnet.memory.StableMemory;
import org.replicator.localnet.memory.WasmHeap;
import org.replicator.localnet.wasm.CanisterModule;

/**
 * A canister's running code: an instance of its module with its wasm heap, globals and stable
 * memory, and the System API bound to it. Runs one execution at a time and undoes everything an
 * execution did when it traps (or when its effects are to be discarded, as for queries).
 */
public final class CanisterRuntime {
    private static final FunctionType CALLBACK_TYPE = FunctionType.of(List.of(ValType.I32), List.of());

    private final CanisterModule module;
    private final WasmHeap heap;
    private final StableMemory stable;
    private final SystemApi api;
    private final Instance instance;

    /** What happens to an execution's changes. */
    public enum Effects {
        /** Keep heap, globals and stable memory (updates, callbacks, tasks). */
        COMMIT,
        /** Undo everything (queries, inspect_message). */
        DISCARD,
        /** Undo heap and globals; leave stable memory in the caller's open transaction (pre_upgrade). */
        STABLE_TO_CALLER,
        /** Keep heap and globals; leave stable memory in the caller's open transaction (init, post_upgrade). */
        HEAP_COMMIT_STABLE_TO_CALLER
    }

    private CanisterRuntime(CanisterModule module, WasmHeap heap, StableMemory stable, SystemApi api,
            Instance instance) {
        this.module = module;
        this.heap = heap;
        this.stable = stable;
        this.api = api;
        this.instance = instance;
    }

    /**
     * Instantiates {@code module}: creates its heap, applies its data segments and runs its start
     * function in {@code startContext}. The caller owns the stable-memory transaction around it.
     */
    public static CanisterRuntime instantiate(CanisterModule module, StableMemory stable,
            ExecutionContext startContext) {
        SystemApi api = new SystemApi(stable);
        WasmHeap heap = module.newHeap();
        heap.beginMessage();
        api.bind(startContext, module.meterGlobalIndex());
        try {
            Instance instance = module.instantiate(
                    ImportValues.builder().addFunction(api.hostFunctions().toArray(new com.dylibso.chicory.runtime.HostFunction[0])).build(),
                    heap);
            heap.commitMessage();
            return new CanisterRuntime(module, heap, stable, api, instance);
        } catch (CanisterTrap trap) {
            heap.rollbackMessage();
            throw trap;
        } catch (ChicoryException e) {
            heap.rollbackMessage();
            throw CanisterTrap.wasm("the start function failed: " + describe(e));
        } finally {
            api.unbind();
        }
    }

    /**
     * Rebuilds a runtime from persisted state: instantiates the module (its start function's
     * effects are thrown away), then loads the heap page by page and the globals.
     */
    public static CanisterRuntime restore(CanisterModule module, StableMemory stable, int heapPages,
            java.util.function.LongFunction<byte[]> heapChunk, long[] globals) {
        ExecutionContext start = ExecutionContext.builder(ApiType.START, org.replicator.localnet.ids.Principal.anonymous())
                .instructionLimit(org.replicator.localnet.cycles.ResourceLimits.INSTALL_INSTRUCTIONS)
                .build();
        stable.beginMessage();
        CanisterRuntime runtime;
        try {
            runtime = instantiate(module, stable, start);
        } finally {
            stable.rollbackMessage();
        }
        runtime.heap.restorePages(heapPages);
        long chunks = (long) heapPages * (65536 / 4096);
        for (long chunk = 0; chunk < chunks; chunk++) {
            runtime.heap.loadChunk((int) chunk, heapChunk.apply(chunk));
        }
        runtime.heap.clearDirty();
        runtime.restoreGlobals(globals);
        return runtime;
    }

    public CanisterModule module() {
        return module;
    }

    public WasmHeap heap() {
        return heap;
    }

    public StableMemory stable() {
        return stable;
    }

    public boolean exports(String name) {
        return module.hasExport(name);
    }

    /** Runs an exported function, e.g. {@code canister_update put}. */
    public ExecutionOutcome call(ExecutionContext ctx, String export, Effects effects) {
        return run(ctx, effects, () -> instance.export(export).apply());
    }

    /** Runs a callback closure registered by ic0.call_new or ic0.call_on_cleanup. */
    public ExecutionOutcome callback(ExecutionContext ctx, Closure closure, Effects effects) {
        return run(ctx, effects, () -> {
            if (instance.tableCount() == 0) {
                throw CanisterTrap.contractViolation("the module has no table to hold callback "
                        + closure.function());
            }
            TableInstance table = instance.table(0);
            int function = table.requiredRef(closure.function());
            FunctionType type = instance.type(instance.functionType(function));
            if (!type.equals(CALLBACK_TYPE)) {
                throw CanisterTrap.contractViolation("callback " + closure.function() + " has type " + type
                        + ", expected (i32) -> ()");
            }
            instance.getMachine().call(function, new long[] {closure.env()});
        });
    }

    private ExecutionOutcome run(ExecutionContext ctx, Effects effects, Runnable body) {
        boolean ownsStable = effects == Effects.COMMIT || effects == Effects.DISCARD;
        long[] globals = saveGlobals();
        heap.beginMessage();
        if (ownsStable) {
            stable.beginMessage();
        }
        int meter = module.meterGlobalIndex();
        InstructionMeter.setRemaining(instance, meter, ctx.instructionLimit);
        api.bind(ctx, meter);
        CanisterTrap trap = null;
        try {
            body.run();
        } catch (CanisterTrap t) {
            trap = t;
        } catch (ChicoryInterruptedException e) {
            Thread.interrupted();
            trap = CanisterTrap.wasm("execution was interrupted");
        } catch (ChicoryException e) {
            trap = InstructionMeter.remaining(instance, meter) < 0
                    ? new CanisterTrap(CanisterTrap.Kind.INSTRUCTION_LIMIT, Long.toString(ctx.instructionLimit))
                    : CanisterTrap.wasm(describe(e));
        } catch (StackOverflowError e) {
            trap = CanisterTrap.wasm("stack overflow");
        } finally {
            api.unbind();
        }
        long remaining = InstructionMeter.remaining(instance, meter);
        long used = Math.min(ctx.instructionLimit, ctx.instructionLimit - remaining);
        boolean keepHeap = trap == null && (effects == Effects.COMMIT || effects == Effects.HEAP_COMMIT_STABLE_TO_CALLER);
        if (keepHeap) {
            heap.commitMessage();
        } else {
            heap.rollbackMessage();
            restoreGlobals(globals);
        }
        if (ownsStable) {
            if (trap == null && effects == Effects.COMMIT) {
                stable.commitMessage();
            } else {
                stable.rollbackMessage();
            }
        }
        return new ExecutionOutcome(trap, used);
    }

    /** The values of all globals, for persistence and rollback. */
    public long[] saveGlobals() {
        long[] values = new long[instance.globalCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = instance.global(i).getValue();
        }
        return values;
    }

    public void restoreGlobals(long[] values) {
        for (int i = 0; i < values.length; i++) {
            instance.global(i).setValue(values[i]);
        }
    }

    /** Bytes of memory this canister is charged for: heap, stable memory and module. */
    public long memoryUsage() {
        return (long) heap.pages() * 65536 + stable.sizePages() * 65536 + module.size();
    }

    static String describe(ChicoryException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (m.startsWith("Trapped on unreachable")) {
            return "unreachable";
        }
        if (m.startsWith("out of bounds memory access")) {
            return "heap out of bounds";
        }
        if (m.equals("integer divide by zero")) {
            return "integer division by 0";
        }
        if (m.equals("call stack exhausted")) {
            return "stack overflow";
        }
        if (m.startsWith("undefined element") || m.startsWith("uninitialized element")) {
            return "table out of bounds: " + m;
        }
        return m;
    }

    /** How one execution ended: a trap (or null) and the instructions it used. */
    public record ExecutionOutcome(CanisterTrap trap, long instructions) {
        public boolean trapped() {
            return trap != null;
        }
    }
}
