package org.replicator.coordinator.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;

/**
 * Applies a retention policy to every replica of a canister after a sealed run: each generation the
 * policy does not keep is dropped by its backup canister first and then marked deleted, so the
 * database never claims a generation is gone while it is still held (or held while it is gone).
 */
public final class Retention {
    private final Database db;
    private final BackupCanisterClient backups;
    private final GenerationRepository generations = new GenerationRepository();

    public Retention(Database db, BackupCanisterClient backups) {
        this.db = db;
        this.backups = backups;
    }

    /**
     * Applies the policy to the canister's own replicas (users' backups follow their own policy,
     * {@link #applyTo}). Returns the ids of the generations dropped.
     */
    public List<Long> apply(PrincipalId canister, RetentionPolicy policy, String actor) {
        List<Long> dropped = new ArrayList<>();
        for (Replica r : db.inTransaction(tx -> new ReplicaRepository().listLive(tx, canister))) {
            if (r.owner().isEmpty()) {
                dropped.addAll(applyTo(r, policy, actor));
            }
        }
        return dropped;
    }

    /** Applies the policy to one replica. Returns the ids of the generations dropped. */
    public List<Long> applyTo(Replica r, RetentionPolicy policy, String actor) {
        List<Long> dropped = new ArrayList<>();
        List<Generation> sealed = db.inTransaction(tx -> generations.list(tx, r.id())).stream()
                .filter(Generation::sealed).toList();
        Set<Long> keep = policy.keep(sealed);
        List<BackupGeneration> held = null;
        for (Generation g : sealed) {
            if (keep.contains(g.id())) {
                continue;
            }
            if (held == null) {
                held = backups.generations(r.id());
            }
            Optional<BackupGeneration> copy = held.stream().filter(b -> b.holds(g)).findFirst();
            if (copy.isPresent()) {
                backups.dropGeneration(r.id(), copy.get().id());
            }
            db.inTransaction(tx -> {
                generations.markDeleted(tx, g.id());
                new AuditLog().record(tx, actor, "retention.drop", r.source().text(), Map.of("replica", r.id().text(),
                        "generation", g.id(), "policy", policy.describe()));
                return null;
            });
            dropped.add(g.id());
        }
        return dropped;
    }
}
