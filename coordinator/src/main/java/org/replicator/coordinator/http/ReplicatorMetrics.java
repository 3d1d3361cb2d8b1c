package org.replicator.coordinator.http;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.StatusQueries;
import org.replicator.coordinator.store.User;
import org.replicator.coordinator.store.UserLedger;
import org.replicator.coordinator.store.UserRepository;

/**
 * The coordinator's state as Prometheus metrics, read from the database at each scrape, so that
 * every coordinator sharing it reports the same figures and none has to be the one that ran the work.
 */
public final class ReplicatorMetrics {
    private ReplicatorMetrics() {
    }

    public static PrometheusRegistry register(Database db) {
        PrometheusRegistry registry = new PrometheusRegistry();
        StatusQueries q = new StatusQueries();
        GaugeWithCallback.builder().name("replicator_protected_canisters")
                .help("Canisters the coordinator protects")
                .callback(cb -> cb.call(db.inTransaction(tx -> new CanisterRepository().listActive(tx)).size()))
                .register(registry);
        GaugeWithCallback.builder().name("replicator_failed_over")
                .help("1 while the canister is served by a promoted replica, 0 while it serves itself")
                .labelNames("canister", "primary")
                .callback(cb -> {
                    for (ProtectedCanister c : db.inTransaction(tx -> new CanisterRepository().listActive(tx))) {
                        cb.call(c.failedOver() ? 1 : 0, c.id().text(), c.liveCanister().text());
                    }
                })
                .register(registry);
        GaugeWithCallback.builder().name("replicator_replicas")
                .help("Backup canisters of each canister, by status")
                .labelNames("canister", "status")
                .callback(cb -> db.inTransaction(q::replicasByState).forEach(r -> cb.call(r.count(), r.canister(), r.state())))
                .register(registry);
        GaugeWithCallback.builder().name("replicator_runs")
                .help("Replication runs of each canister, by state")
                .labelNames("canister", "state")
                .callback(cb -> db.inTransaction(q::runsByState).forEach(r -> cb.call(r.count(), r.canister(), r.state())))
                .register(registry);
        GaugeWithCallback.builder().name("replicator_last_sealed_timestamp_seconds")
                .help("When the canister's newest generation was sealed (Unix time); its age is the data loss a"
                        + " failover now would cause")
                .labelNames("canister")
                .callback(cb -> db.inTransaction(q::lastSealed)
                        .forEach(s -> cb.call(s.at().toEpochMilli() / 1000.0, s.canister())))
                .register(registry);
        GaugeWithCallback.builder().name("replicator_cycles_consumed")
                .help("Cycles the canister's runs and restores consumed, as measured (the cycle ledger)")
                .labelNames("canister")
                .callback(cb -> db.inTransaction(q::spent).forEach(s -> cb.call(s.cycles().doubleValue(), s.canister())))
                .register(registry);
        GaugeWithCallback.builder().name("replicator_user_balance_cycles")
                .help("Each user's account balance (deposits less charges); a user at 0 or below is paused")
                .labelNames("user", "status")
                .callback(cb -> db.inTransaction(tx -> {
                    UserLedger ledger = new UserLedger();
                    for (User u : new UserRepository().list(tx)) {
                        cb.call(ledger.balance(tx, u.principal()).doubleValue(), u.principal().text(), u.status().column());
                    }
                    return null;
                }))
                .register(registry);
        return registry;
    }
}
