package org.replicator.localnet.wasm;

import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.Map;

/** The ic0 functions the localnet implements, by name, with their wasm signatures. */
public record HostInterface(Map<String, FunctionType> functions) {
    public HostInterface {
        functions = Map.copyOf(functions);
    }

    public static HostInterface of(Map<String, FunctionType> functions) {
        return new HostInterface(functions);
    }
}
