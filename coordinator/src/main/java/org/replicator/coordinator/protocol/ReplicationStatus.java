package org.replicator.coordinator.protocol;

import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;

/** replication_status: enough of it to plan a run and check the allow-list. */
public record ReplicationStatus(String style, long regionSize, int chunkSize, long lastEpoch, Optional<Long> openEpoch,
        List<PrincipalId> allowed) {
}
