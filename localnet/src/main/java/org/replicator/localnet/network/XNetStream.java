package org.replicator.localnet.network;

import java.util.ArrayList;
import java.util.List;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.CanisterMessage;

/**
 * The ordered stream of messages from one subnet to another, as on the IC: the sending subnet
 * appends after it has committed a round, the receiving subnet inducts from the index it has
 * recorded in its own state, and messages below that index are garbage-collected. Because both
 * sides keep their own position durably, every message is inducted exactly once even when
 * either subnet restarts.
 */
public final class XNetStream {
    private final Principal from;
    private final Principal to;
    private final List<CanisterMessage> messages = new ArrayList<>();
    private long begin;

    public XNetStream(Principal from, Principal to) {
        this.from = from;
        this.to = to;
    }

    public Principal from() {
        return from;
    }

    public Principal to() {
        return to;
    }

    public synchronized void append(List<CanisterMessage> batch) {
        messages.addAll(batch);
    }

    /** Index one past the last message. */
    public synchronized long end() {
        return begin + messages.size();
    }

    public synchronized long begin() {
        return begin;
    }

    /** The messages from {@code index} on (at most {@code max}). */
    public synchronized List<CanisterMessage> read(long index, int max) {
        long start = Math.max(index, begin);
        int from = (int) (start - begin);
        int until = Math.min(messages.size(), from + max);
        return from >= until ? List.of() : new ArrayList<>(messages.subList(from, until));
    }

    /** Drops messages the receiver has durably inducted. */
    public synchronized void garbageCollect(long inductedUpTo) {
        long drop = Math.min(inductedUpTo - begin, messages.size());
        if (drop > 0) {
            messages.subList(0, (int) drop).clear();
            begin += drop;
        }
    }

    /** Replaces the contents after a restart from persisted state. */
    public synchronized void restore(long restoredBegin, List<CanisterMessage> restored) {
        messages.clear();
        messages.addAll(restored);
        begin = restoredBegin;
    }

    public synchronized List<CanisterMessage> snapshot() {
        return new ArrayList<>(messages);
    }
}
