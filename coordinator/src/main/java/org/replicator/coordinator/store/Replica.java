package org.replicator.coordinator.store;

import java.time.Instant;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** A backup canister holding generations of one source canister. */
public record Replica(
        PrincipalId id,
        PrincipalId source,
        PrincipalId subnet,
        Status status,
        Optional<Digest> wasmHash,
        Optional<PrincipalId> owner,
        boolean sameSubnetForced,
        Instant createdAt) {

    public enum Status {
        /** created, code not yet installed */
        CREATING,
        /** backup canister code installed, not yet registered with its source */
        INSTALLED,
        /** takes part in runs */
        ACTIVE,
        /** kept, but no new runs (e.g. a user's balance ran out) */
        PAUSED,
        /** deleted or detached; kept for history */
        DROPPED,
        /** became the live canister */
        PROMOTED,
        /** handed over to its user: the coordinator is no longer a controller */
        DETACHED;

        String column() {
            return name().toLowerCase();
        }

        static Status of(String column) {
            return valueOf(column.toUpperCase());
        }
    }
}
