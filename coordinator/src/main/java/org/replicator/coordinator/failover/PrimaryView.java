package org.replicator.coordinator.failover;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Promotion;
import org.replicator.coordinator.store.PromotionRepository;
import org.replicator.coordinator.store.ProtectedCanister;

/**
 * Where a canister's service lives, as clients read it: from `replicator primary --json` and from
 * the status server's {@code /api/canisters/{canister}/primary}, in one shape.
 */
public record PrimaryView(ProtectedCanister canister, Optional<Promotion> latest) {

    public static PrimaryView of(Connection tx, ProtectedCanister canister) throws SQLException {
        return new PrimaryView(canister, new PromotionRepository().list(tx, canister.id()).stream().findFirst());
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("canister", canister.id().text());
        m.put("primary", canister.liveCanister().text());
        m.put("subnet", canister.liveSubnet().text());
        m.put("failed_over", canister.failedOver());
        m.put("promotion", latest.map(PrimaryView::promotionJson).orElse(null));
        return m;
    }

    public static Map<String, Object> promotionJson(Promotion p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("promotion", p.id());
        m.put("canister", p.canister().text());
        m.put("state", p.state().name().toLowerCase());
        m.put("replica", p.replica().text());
        m.put("generation", p.generation().orElse(null));
        m.put("old_primary", p.oldLive().text());
        m.put("old_subnet", p.oldSubnet().text());
        m.put("new_primary", p.newLive().map(PrincipalId::text).orElse(null));
        m.put("new_subnet", p.newSubnet().text());
        m.put("automatic", p.automatic());
        m.put("reason", p.reason());
        m.put("writes_not_carried", p.writesNotCarried().orElse(null));
        m.put("fence_note", p.fenceNote().orElse(null));
        m.put("started_at", p.startedAt().toString());
        m.put("live_at", p.liveAt().map(Instant::toString).orElse(null));
        m.put("fenced_at", p.fencedAt().map(Instant::toString).orElse(null));
        m.put("failed_back_at", p.failedBackAt().map(Instant::toString).orElse(null));
        m.put("error", p.error().orElse(null));
        return m;
    }
}
