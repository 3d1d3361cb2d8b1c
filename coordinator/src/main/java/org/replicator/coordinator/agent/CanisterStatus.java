package org.replicator.coordinator.agent;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Digest;

/** The management canister's canister_status, for controllers: run state, balance and size. */
public record CanisterStatus(
        PrincipalId id,
        RunState state,
        Optional<Digest> moduleHash,
        List<PrincipalId> controllers,
        BigInteger cycles,
        BigInteger memorySize) {

    public enum RunState { RUNNING, STOPPING, STOPPED }
}
