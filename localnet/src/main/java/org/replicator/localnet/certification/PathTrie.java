package org.replicator.localnet.certification;

import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/** The requested paths merged into a trie; a node reached by a whole path reveals everything below. */
final class PathTrie {
    private final NavigableMap<byte[], PathTrie> children = new TreeMap<>(Labels.ORDER);
    private boolean full;

    static PathTrie of(List<Path> paths) {
        PathTrie root = new PathTrie();
        for (Path path : paths) {
            PathTrie node = root;
            for (byte[] label : path.labelsUnsafe()) {
                if (node.full) {
                    break;
                }
                node = node.children.computeIfAbsent(label, l -> new PathTrie());
            }
            node.full = true;
            node.children.clear();
        }
        return root;
    }

    boolean isFull() {
        return full;
    }

    NavigableMap<byte[], PathTrie> children() {
        return children;
    }
}
