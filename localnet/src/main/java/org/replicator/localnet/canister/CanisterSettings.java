package org.replicator.localnet.canister;

import java.util.List;
import org.replicator.localnet.cycles.ResourceLimits;
import org.replicator.localnet.ids.Principal;

/** The settings of a canister that the management canister reads and updates. */
public record CanisterSettings(
        List<Principal> controllers,
        long computeAllocation,
        long memoryAllocation,
        long freezingThresholdSeconds,
        long reservedCyclesLimit,
        long wasmMemoryLimit,
        long wasmMemoryThreshold,
        LogVisibility logVisibility) {

    public CanisterSettings {
        controllers = List.copyOf(controllers);
    }

    public enum LogVisibility { CONTROLLERS, PUBLIC }

    public static CanisterSettings defaults(List<Principal> controllers) {
        return new CanisterSettings(controllers, 0, 0, ResourceLimits.DEFAULT_FREEZING_THRESHOLD_SECONDS,
                5_000_000_000_000L, 0, 0, LogVisibility.CONTROLLERS);
    }

    public CanisterSettings withControllers(List<Principal> list) {
        return new CanisterSettings(list, computeAllocation, memoryAllocation, freezingThresholdSeconds,
                reservedCyclesLimit, wasmMemoryLimit, wasmMemoryThreshold, logVisibility);
    }
}
