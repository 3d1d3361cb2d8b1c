package org.replicator.coordinator.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupRun;
import org.replicator.coordinator.protocol.BackupStatus;
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

    /**
     * Re-points the active replicas not on {@code skipSubnet}; returns notes for the user: runs of
     * the old source abandoned, and what could not be done now. A replica whose run is still active
     * names the old source (a replica already naming {@code source} is left as it is), so that run
     * pulls from the canister being replaced, typically waiting on its halted subnet: it is
     * abandoned, or the replica could not pull from {@code source} until that subnet returned.
     */
    List<String> repoint(PrincipalId canister, PrincipalId source, PrincipalId skipSubnet) {
        List<String> notes = new ArrayList<>();
        List<Replica> replicas = ctx.db().inTransaction(tx -> new ReplicaRepository().listLive(tx, canister));
        for (Replica r : replicas) {
            if (r.status() != Replica.Status.ACTIVE || r.subnet().equals(skipSubnet)) {
                continue;
            }
            try {
                ctx.apps().allow(source, r.id());
                BackupStatus status = ctx.backups().status(r.id());
                if (!status.source().equals(source)) {
                    Optional<BackupRun> active = status.run().filter(BackupRun::active);
                    ctx.backups().setSource(r.id(), source, active.isPresent());
                    active.ifPresent(run -> notes.add("replica " + r.id() + ": its run " + run.id() + " ("
                            + run.state() + " from " + status.source() + ") was abandoned"));
                }
            } catch (IcException e) {
                notes.add("replica " + r.id() + " is re-pointed at its next run (" + e.getMessage() + ")");
            }
        }
        return notes;
    }
}
