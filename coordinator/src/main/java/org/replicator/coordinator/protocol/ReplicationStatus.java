package org.replicator.coordinator.protocol;

import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * replication_status: enough of it to plan a run, check the allow-list and see the fence.
 *
 * @param fenced whether a controller fenced the app (its writes are refused with {@code FENCED});
 *     false for an app whose library predates fencing, since such an app cannot be fenced
 * @param fenceReason the reason given to replication_fence, while fenced
 */
public record ReplicationStatus(String style, long regionSize, int chunkSize, long lastEpoch, Optional<Long> openEpoch,
        List<PrincipalId> allowed, boolean fenced, Optional<String> fenceReason) {
}
