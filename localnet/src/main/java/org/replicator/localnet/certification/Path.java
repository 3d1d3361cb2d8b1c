package org.replicator.localnet.certification;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.ids.RequestId;

/** A path in the state tree: a sequence of labels, each raw bytes (principals in binary, names in UTF-8). */
public final class Path {
    private final List<byte[]> labels;

    private Path(List<byte[]> labels) {
        this.labels = labels;
    }

    /** Labels given as {@code String} (UTF-8), {@code byte[]}, {@link Principal} or {@link RequestId}. */
    public static Path of(Object... labels) {
        List<byte[]> out = new ArrayList<>(labels.length);
        for (Object label : labels) {
            out.add(toLabel(label));
        }
        return new Path(Collections.unmodifiableList(out));
    }

    public static Path ofLabels(List<byte[]> labels) {
        List<byte[]> out = new ArrayList<>(labels.size());
        labels.forEach(l -> out.add(l.clone()));
        return new Path(Collections.unmodifiableList(out));
    }

    public Path append(Object label) {
        List<byte[]> out = new ArrayList<>(labels);
        out.add(toLabel(label));
        return new Path(Collections.unmodifiableList(out));
    }

    public int size() {
        return labels.size();
    }

    public byte[] label(int index) {
        return labels.get(index).clone();
    }

    /** The labels without copying; callers must not modify them. */
    List<byte[]> labelsUnsafe() {
        return labels;
    }

    public List<byte[]> labels() {
        return labels.stream().map(byte[]::clone).collect(Collectors.toUnmodifiableList());
    }

    private static byte[] toLabel(Object label) {
        if (label instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (label instanceof byte[] b) {
            return b.clone();
        }
        if (label instanceof Principal p) {
            return p.bytes();
        }
        if (label instanceof RequestId r) {
            return r.bytes();
        }
        throw new IllegalArgumentException("a path label is a String, byte[], Principal or RequestId, not "
                + (label == null ? "null" : label.getClass().getSimpleName()));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Path p) || p.labels.size() != labels.size()) {
            return false;
        }
        for (int i = 0; i < labels.size(); i++) {
            if (!Arrays.equals(labels.get(i), p.labels.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (byte[] label : labels) {
            h = 31 * h + Arrays.hashCode(label);
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (byte[] label : labels) {
            s.append('/').append(Labels.display(label));
        }
        return s.length() == 0 ? "/" : s.toString();
    }
}
