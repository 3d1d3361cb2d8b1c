package org.replicator.localnet.wasm;

import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.replicator.localnet.memory.WasmHeap;

/**
 * A validated, instrumented and compiled canister module. Immutable and shared by every canister
 * running the same code; each canister instantiates it with its own heap and System API.
 */
public final class CanisterModule {
    private final byte[] sha256;
    private final int size;
    private final WasmModule module;
    private final Function<Instance, Machine> machine;
    private final int meterGlobal;
    private final ModuleValidator.Exports exports;
    private final MemoryLimits memoryLimits;

    CanisterModule(byte[] sha256, int size, WasmModule module, Function<Instance, Machine> machine, int meterGlobal,
            ModuleValidator.Exports exports) {
        this.sha256 = sha256;
        this.size = size;
        this.module = module;
        this.machine = machine;
        this.meterGlobal = meterGlobal;
        this.exports = exports;
        this.memoryLimits = module.memorySection().filter(s -> s.memoryCount() > 0)
                .map(s -> s.getMemory(0).limits()).orElse(null);
    }

    /** SHA-256 of the module as uploaded; what canister_status and the state tree report. */
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Size of the module as uploaded, charged as canister memory. */
    public int size() {
        return size;
    }

    public Set<String> updateMethods() {
        return exports.updates();
    }

    public Set<String> queryMethods() {
        return exports.queries();
    }

    public Set<String> compositeQueryMethods() {
        return exports.compositeQueries();
    }

    public boolean hasExport(String name) {
        return exports.functions().contains(name);
    }

    /** Content of {@code icp:public <name>} sections, by name. */
    public Map<String, byte[]> publicMetadata() {
        return exports.publicMetadata();
    }

    /** Content of {@code icp:private <name>} sections, by name. */
    public Map<String, byte[]> privateMetadata() {
        return exports.privateMetadata();
    }

    public int meterGlobalIndex() {
        return meterGlobal;
    }

    /** A fresh heap sized as the module declares (empty if it declares no memory). */
    public WasmHeap newHeap() {
        return new WasmHeap(memoryLimits != null ? memoryLimits : new MemoryLimits(0, 0));
    }

    /**
     * Instantiates the module over {@code heap}: applies data segments and runs the start
     * function, if any, with the host functions in {@code imports}.
     */
    public Instance instantiate(ImportValues imports, WasmHeap heap) {
        Instance.Builder builder = Instance.builder(module)
                .withImportValues(imports)
                .withMemoryFactory(limits -> heap)
                .withStart(false);
        if (machine != null) {
            builder.withMachineFactory(machine);
        }
        return builder.build();
    }
}
