package org.replicator.localnet.certification;

import java.util.Arrays;
import java.util.List;

/** The spec's {@code lookup_path} and {@code find_label} over flattened forks. */
final class HashTreeLookup {
    private static final HashTree.Lookup ABSENT = new HashTree.Absent();
    private static final HashTree.Lookup UNKNOWN = new HashTree.Unknown();
    private static final HashTree.Lookup ERROR = new HashTree.LookupError();

    private HashTreeLookup() {
    }

    static HashTree.Lookup lookupPath(HashTree tree, List<byte[]> path, boolean subtree) {
        HashTree current = tree;
        for (byte[] label : path) {
            HashTree.Lookup step = findLabel(label, current.flattenForks());
            if (!(step instanceof HashTree.Found found)) {
                return step;
            }
            current = found.tree();
        }
        if (subtree) {
            return current instanceof HashTree.Empty ? ABSENT : new HashTree.Found(current);
        }
        if (current instanceof HashTree.Leaf) {
            return new HashTree.Found(current);
        }
        if (current instanceof HashTree.Empty) {
            return ABSENT;
        }
        if (current instanceof HashTree.Pruned) {
            return UNKNOWN;
        }
        return ERROR;
    }

    private static HashTree.Lookup findLabel(byte[] label, List<HashTree> nodes) {
        if (nodes.isEmpty()) {
            return ABSENT;
        }
        if (nodes.size() == 1 && nodes.get(0) instanceof HashTree.Leaf) {
            return ERROR;
        }
        // Absence is proved only between two labels with nothing unknown in the gap, or before
        // the first / after the last label when nothing unknown lies outside them.
        boolean unknownSinceLastLabel = false;
        boolean sawLabel = false;
        for (HashTree node : nodes) {
            if (node instanceof HashTree.Labeled l) {
                int c = Arrays.compareUnsigned(label, l.rawLabel());
                if (c == 0) {
                    return new HashTree.Found(l.subtree());
                }
                if (c < 0) {
                    return unknownSinceLastLabel ? UNKNOWN : ABSENT;
                }
                sawLabel = true;
                unknownSinceLastLabel = false;
            } else {
                unknownSinceLastLabel = true;
            }
        }
        return sawLabel && !unknownSinceLastLabel ? ABSENT : UNKNOWN;
    }
}
