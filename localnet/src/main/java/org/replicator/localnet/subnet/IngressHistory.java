package org.replicator.localnet.subnet;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.replicator.localnet.ids.RequestId;
import org.replicator.localnet.messages.IngressStatus;

/**
 * The statuses of ingress messages a subnet has accepted, kept for the certified state. A status
 * is kept while the request could still be submitted again (until its expiry) and at least five
 * minutes after it completed, as the IC does, so that replays are recognised and agents can
 * fetch the reply.
 */
final class IngressHistory {
    static final long RETENTION_NANOS = 5L * 60 * 1_000_000_000L;

    private final Map<RequestId, Entry> entries = new HashMap<>();
    private final BiConsumer<RequestId, IngressStatus> onChange;
    private final java.util.function.Consumer<RequestId> onRemove;

    record Entry(IngressStatus status, long completedAtNanos) {
    }

    IngressHistory(BiConsumer<RequestId, IngressStatus> onChange, java.util.function.Consumer<RequestId> onRemove) {
        this.onChange = onChange;
        this.onRemove = onRemove;
    }

    Optional<IngressStatus> get(RequestId id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(e.status());
    }

    boolean contains(RequestId id) {
        return entries.containsKey(id);
    }

    void put(RequestId id, IngressStatus status, long nowNanos) {
        entries.put(id, new Entry(status, status.state().isTerminal() ? nowNanos : 0));
        onChange.accept(id, status);
    }

    /** Restores an entry from persisted state without reporting it as a change. */
    void restore(RequestId id, IngressStatus status, long completedAtNanos) {
        entries.put(id, new Entry(status, completedAtNanos));
        onChange.accept(id, status);
    }

    Map<RequestId, Entry> entries() {
        return entries;
    }

    void prune(long nowNanos) {
        Iterator<Map.Entry<RequestId, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<RequestId, Entry> e = it.next();
            Entry entry = e.getValue();
            boolean expired = entry.status().ingressExpiryNanos() < nowNanos;
            boolean retained = entry.completedAtNanos() == 0 || nowNanos - entry.completedAtNanos() < RETENTION_NANOS;
            if (expired && !retained) {
                it.remove();
                onRemove.accept(e.getKey());
            }
        }
    }

    int size() {
        return entries.size();
    }
}
