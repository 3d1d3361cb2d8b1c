package org.replicator.localnet.execution;

import com.dylibso.chicory.runtime.Instance;

/**
 * Reads and writes the instruction counter that metering instrumentation adds to every canister
 * module: a global holding the instructions the current message may still execute.
 */
final class InstructionMeter {
    private InstructionMeter() {
    }

    static long remaining(Instance instance, int globalIndex) {
        return instance.global(globalIndex).getValue();
    }

    static void setRemaining(Instance instance, int globalIndex, long value) {
        instance.global(globalIndex).setValue(value);
    }
}
