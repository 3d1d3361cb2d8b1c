package org.replicator.coordinator.failover;

import java.util.ArrayList;
import java.util.List;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;

/**
 * Points a canister's replicas at the canister that now serves it, so that they pull from it from
 * the next run on. A replica that cannot be reached now is left: the engine re-points every replica
 * before it asks it to pull, so nothing depends on this succeeding.
 */
final class Repointer {
    private final FailoverContext ctx;

    Repointer(FailoverContext ctx) {
        this.ctx = ctx;
    }

    /** Re-points the active replicas not on {@code skipSubnet}; returns what could not be done now. */
    List<String> repoint(PrincipalId canister, PrincipalId source, PrincipalId skipSubnet) {
        List<String> deferred = new ArrayList<>();
        List<Replica> replicas = ctx.db().inTransaction(tx -> new ReplicaRepository().listLive(tx, canister));
        for (Replica r : replicas) {
            if (r.status() != Replica.Status.ACTIVE || r.subnet().equals(skipSubnet)) {
                continue;
            }
            try {
                ctx.apps().allow(source, r.id());
                if (!ctx.backups().status(r.id()).source().equals(source)) {
                    ctx.backups().setSource(r.id(), source);
                }
            } catch (IcException e) {
                deferred.add("replica " + r.id() + " is re-pointed at its next run (" + e.getMessage() + ")");
            }
        }
        return deferred;
    }
}
