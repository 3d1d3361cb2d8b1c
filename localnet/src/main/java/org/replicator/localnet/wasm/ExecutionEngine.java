package org.replicator.localnet.wasm;

/** How canister wasm is executed by Chicory. */
public enum ExecutionEngine {
    /** Compiled ahead of time to JVM bytecode: 100-400x faster than interpreting; the default. */
    AOT,
    /** Chicory's interpreter: no compilation delay, slow execution. */
    INTERPRETER
}
