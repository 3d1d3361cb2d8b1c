package org.replicator.localnet.canister;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The most recent debug prints and traps of a canister, bounded like the IC's canister logs. */
public final class CanisterLog {
    private static final int MAX_BYTES = 4096 * 16;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long nextIndex;
    private int bytes;

    public record Entry(long index, long timeNanos, String text) {
    }

    public void append(long timeNanos, String text) {
        entries.addLast(new Entry(nextIndex++, timeNanos, text));
        bytes += text.length();
        while (bytes > MAX_BYTES && entries.size() > 1) {
            bytes -= entries.removeFirst().text().length();
        }
    }

    public List<Entry> entries() {
        return new ArrayList<>(entries);
    }

    public void clear() {
        entries.clear();
        bytes = 0;
    }
}
