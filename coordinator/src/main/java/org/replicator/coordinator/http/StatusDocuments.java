package org.replicator.coordinator.http;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.replicator.coordinator.failover.PrimaryView;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.StatusQueries;

/** The JSON documents the status server (and the CLI's --json) serve, built from the database. */
public final class StatusDocuments {
    private StatusDocuments() {
    }

    public static Map<String, Object> run(Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", r.id());
        m.put("canister", r.canister().text());
        m.put("source", r.source().text());
        m.put("kind", r.kind().name().toLowerCase());
        m.put("state", r.state().name().toLowerCase());
        m.put("epoch", r.epoch().map(Object::toString).orElse(null));
        m.put("size", r.image().map(Run.Image::size).orElse(null));
        m.put("chunks", r.image().map(Run.Image::chunkCount).orElse(null));
        m.put("root", r.image().map(i -> i.root().hex()).orElse(null));
        m.put("error", r.error().orElse(null));
        return m;
    }

    /** A protected canister: where it is served from, its replicas, its latest run and failover. */
    public static Map<String, Object> canister(Connection tx, ProtectedCanister c) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("canister", c.id().text());
        m.put("name", c.name().orElse(null));
        m.put("subnet", c.subnet().text());
        m.put("user_backups_allowed", c.userBackupsAllowed());
        m.put("primary", PrimaryView.of(tx, c).toJson());
        List<Replica> replicas = new ReplicaRepository().listLive(tx, c.id());
        m.put("replicas", replicas.stream().map(r -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("replica", r.id().text());
            x.put("subnet", r.subnet().text());
            x.put("status", r.status().name().toLowerCase());
            // a user's backup canister: its owner's (docs/users.md), replicated on their schedule
            x.put("owner", r.owner().map(o -> o.text()).orElse(null));
            return x;
        }).toList());
        StatusQueries q = new StatusQueries();
        Optional<Run> latest = q.latestRun(tx, c);
        Map<String, Object> run = latest.map(StatusDocuments::run).orElse(null);
        if (latest.isPresent() && !latest.get().state().finished()) {
            StatusQueries.Progress p = q.progress(tx, latest.get().id());
            run.put("chunks_done", p.chunksDone());
            run.put("chunks_total", p.chunksTotal());
        }
        m.put("latest_run", run);
        m.put("last_finished_at", latest.flatMap(Run::finishedAt).map(Object::toString).orElse(null));
        m.put("next_run_at", q.nextFire(tx, c.id()).map(Object::toString).orElse(null));
        return m;
    }

    /** What the canister's latest runs cost, oldest first, for the status page's chart. */
    public static List<Map<String, Object>> costs(Connection tx, ProtectedCanister c) throws SQLException {
        return new StatusQueries().runCosts(tx, c.id(), 30).stream().map(r -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("run", r.run());
            x.put("kind", r.kind());
            x.put("state", r.state());
            x.put("finished_at", r.finishedAt().map(Object::toString).orElse(null));
            x.put("cycles", r.cycles().toString());
            return x;
        }).toList();
    }
}
