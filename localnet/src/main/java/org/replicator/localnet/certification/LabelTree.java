package org.replicator.localnet.certification;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * One level of the state tree: labels mapped to {@link StateNode}s, as a persistent AVL tree whose
 * nodes memoise their digests. An update copies only the path to the changed label, so changing
 * one entry among n costs O(log n) allocations and hashes, and older versions stay valid for the
 * certified states that share them.
 *
 * <p>Each AVL node stands for the hash tree {@code fork(left, fork(labeled(label, value), right))},
 * with absent children left out. That shape depends on insertion history, which is fine because
 * agents flatten forks; a witness is cut from the same shape, so its root digest always matches.
 *
 * @param <A> an uncertified value kept next to each entry (ingress sender, canister metadata
 *     visibility) for the HTTP layer's authorisation checks
 */
final class LabelTree<A> {
    private static final LabelTree<?> EMPTY = new LabelTree<>(null);

    private final Node<A> root;

    private LabelTree(Node<A> root) {
        this.root = root;
    }

    @SuppressWarnings("unchecked")
    static <A> LabelTree<A> empty() {
        return (LabelTree<A>) EMPTY;
    }

    /** A tree of leaves, for small fixed subtrees. */
    static LabelTree<Void> ofLeaves(List<byte[]> labels, List<byte[]> values) {
        LabelTree<Void> tree = empty();
        for (int i = 0; i < labels.size(); i++) {
            tree = tree.put(labels.get(i), StateNode.leaf(values.get(i)), null);
        }
        return tree;
    }

    boolean isEmpty() {
        return root == null;
    }

    int size() {
        return root == null ? 0 : root.size;
    }

    byte[] digest() {
        return root == null ? Digests.EMPTY_TREE : root.digest;
    }

    LabelTree<A> put(byte[] label, StateNode value, A attachment) {
        return new LabelTree<>(insert(root, label, value, attachment));
    }

    LabelTree<A> remove(byte[] label) {
        Node<A> updated = delete(root, label);
        return updated == root ? this : new LabelTree<>(updated);
    }

    Node<A> get(byte[] label) {
        Node<A> n = root;
        while (n != null) {
            int c = Arrays.compareUnsigned(label, n.label);
            if (c == 0) {
                return n;
            }
            n = c < 0 ? n.left : n.right;
        }
        return null;
    }

    /** The entry with the largest label not greater than {@code label}. */
    Node<A> floor(byte[] label) {
        Node<A> n = root;
        Node<A> best = null;
        while (n != null) {
            int c = Arrays.compareUnsigned(label, n.label);
            if (c == 0) {
                return n;
            }
            if (c > 0) {
                best = n;
                n = n.right;
            } else {
                n = n.left;
            }
        }
        return best;
    }

    /** The entry with the largest label strictly less than {@code label}. */
    Node<A> lower(byte[] label) {
        Node<A> n = root;
        Node<A> best = null;
        while (n != null) {
            if (Arrays.compareUnsigned(n.label, label) < 0) {
                best = n;
                n = n.right;
            } else {
                n = n.left;
            }
        }
        return best;
    }

    /** The entry with the smallest label strictly greater than {@code label}. */
    Node<A> higher(byte[] label) {
        Node<A> n = root;
        Node<A> best = null;
        while (n != null) {
            if (Arrays.compareUnsigned(n.label, label) > 0) {
                best = n;
                n = n.left;
            } else {
                n = n.right;
            }
        }
        return best;
    }

    void forEach(BiConsumer<byte[], Node<A>> action) {
        forEach(root, action);
    }

    private static <A> void forEach(Node<A> n, BiConsumer<byte[], Node<A>> action) {
        if (n != null) {
            forEach(n.left, action);
            action.accept(n.label, n);
            forEach(n.right, action);
        }
    }

    /** The complete hash tree of this level and everything below it. */
    HashTree fullTree(List<byte[]> prefix, Predicate<List<byte[]>> pruned) {
        if (root == null) {
            return HashTree.empty();
        }
        return revealAll(root, prefix, pruned);
    }

    /**
     * A witness for the requested paths below this level: requested labels that exist are revealed
     * (recursively), requested labels that do not exist get their neighbours revealed with pruned
     * values so that absence can be proved, and everything else is pruned.
     */
    HashTree witness(PathTrie request, List<byte[]> prefix, Predicate<List<byte[]>> pruned) {
        if (request.isFull()) {
            return fullTree(prefix, pruned);
        }
        if (root == null) {
            return HashTree.empty();
        }
        NavigableMap<byte[], PathTrie> reveals = new TreeMap<>(Labels.ORDER);
        request.children().forEach((label, child) -> {
            if (get(label) != null) {
                reveals.put(label, child);
            } else {
                Node<A> below = lower(label);
                Node<A> above = higher(label);
                if (below != null) {
                    reveals.putIfAbsent(below.label, LABEL_ONLY);
                }
                if (above != null) {
                    reveals.putIfAbsent(above.label, LABEL_ONLY);
                }
            }
        });
        return reveal(root, reveals, prefix, pruned);
    }

    /** Marks a neighbour revealed only to bound an absent label: its value stays pruned. */
    private static final PathTrie LABEL_ONLY = new PathTrie();

    private static final PathTrie EVERYTHING = PathTrie.of(List.of(Path.of()));

    private static <A> HashTree revealAll(Node<A> n, List<byte[]> prefix, Predicate<List<byte[]>> pruned) {
        HashTree left = n.left == null ? null : revealAll(n.left, prefix, pruned);
        HashTree middle = new HashTree.Labeled(n.label, revealValue(n, EVERYTHING, prefix, pruned));
        HashTree right = n.right == null ? null : revealAll(n.right, prefix, pruned);
        return shape(left, middle, right);
    }

    private HashTree reveal(Node<A> n, NavigableMap<byte[], PathTrie> reveals, List<byte[]> prefix,
            Predicate<List<byte[]>> pruned) {
        if (reveals.isEmpty()) {
            return new HashTree.Pruned(n.digest);
        }
        HashTree left = n.left == null ? null : reveal(n.left, reveals.headMap(n.label, false), prefix, pruned);
        PathTrie request = reveals.get(n.label);
        HashTree middle;
        if (request == null) {
            middle = new HashTree.Pruned(n.labeledDigest);
        } else {
            middle = new HashTree.Labeled(n.label, revealValue(n, request, prefix, pruned));
        }
        HashTree right = n.right == null ? null : reveal(n.right, reveals.tailMap(n.label, false), prefix, pruned);
        return shape(left, middle, right);
    }

    private static HashTree revealValue(Node<?> n, PathTrie request, List<byte[]> prefix,
            Predicate<List<byte[]>> pruned) {
        if (request == LABEL_ONLY) {
            return new HashTree.Pruned(n.value.digest());
        }
        List<byte[]> path = new ArrayList<>(prefix.size() + 1);
        path.addAll(prefix);
        path.add(n.label);
        if (pruned.test(path)) {
            return new HashTree.Pruned(n.value.digest());
        }
        if (n.value instanceof StateNode.Leaf leaf) {
            return new HashTree.Leaf(leaf.value());
        }
        LabelTree<?> subtree = ((StateNode.Subtree) n.value).tree();
        return subtree.witness(request, path, pruned);
    }

    private static HashTree shape(HashTree left, HashTree middle, HashTree right) {
        HashTree tail = right == null ? middle : new HashTree.Fork(middle, right);
        return left == null ? tail : new HashTree.Fork(left, tail);
    }

    private static byte[] shapeDigest(byte[] left, byte[] middle, byte[] right) {
        byte[] tail = right == null ? middle : Digests.fork(middle, right);
        return left == null ? tail : Digests.fork(left, tail);
    }

    /** An immutable AVL node; its digests cover its whole subtree. */
    static final class Node<A> {
        final byte[] label;
        final StateNode value;
        final A attachment;
        final Node<A> left;
        final Node<A> right;
        final int height;
        final int size;
        final byte[] labeledDigest;
        final byte[] digest;

        Node(byte[] label, StateNode value, A attachment, Node<A> left, Node<A> right) {
            this.label = label;
            this.value = value;
            this.attachment = attachment;
            this.left = left;
            this.right = right;
            this.height = 1 + Math.max(height(left), height(right));
            this.size = 1 + size(left) + size(right);
            this.labeledDigest = Digests.labeled(label, value.digest());
            this.digest = shapeDigest(left == null ? null : left.digest, labeledDigest,
                    right == null ? null : right.digest);
        }

        private Node(Node<A> keep, Node<A> left, Node<A> right) {
            this.label = keep.label;
            this.value = keep.value;
            this.attachment = keep.attachment;
            this.left = left;
            this.right = right;
            this.height = 1 + Math.max(height(left), height(right));
            this.size = 1 + size(left) + size(right);
            this.labeledDigest = keep.labeledDigest;
            this.digest = shapeDigest(left == null ? null : left.digest, labeledDigest,
                    right == null ? null : right.digest);
        }

        Node<A> withChildren(Node<A> newLeft, Node<A> newRight) {
            return new Node<>(this, newLeft, newRight);
        }

        byte[] label() {
            return label.clone();
        }

        StateNode value() {
            return value;
        }

        A attachment() {
            return attachment;
        }
    }

    private static int height(Node<?> n) {
        return n == null ? 0 : n.height;
    }

    private static int size(Node<?> n) {
        return n == null ? 0 : n.size;
    }

    private static <A> Node<A> insert(Node<A> n, byte[] label, StateNode value, A attachment) {
        if (n == null) {
            return new Node<>(label.clone(), value, attachment, null, null);
        }
        int c = Arrays.compareUnsigned(label, n.label);
        if (c == 0) {
            return new Node<>(n.label, value, attachment, n.left, n.right);
        }
        if (c < 0) {
            return balance(n.withChildren(insert(n.left, label, value, attachment), n.right));
        }
        return balance(n.withChildren(n.left, insert(n.right, label, value, attachment)));
    }

    private static <A> Node<A> delete(Node<A> n, byte[] label) {
        if (n == null) {
            return null;
        }
        int c = Arrays.compareUnsigned(label, n.label);
        if (c < 0) {
            Node<A> left = delete(n.left, label);
            return left == n.left ? n : balance(n.withChildren(left, n.right));
        }
        if (c > 0) {
            Node<A> right = delete(n.right, label);
            return right == n.right ? n : balance(n.withChildren(n.left, right));
        }
        if (n.left == null) {
            return n.right;
        }
        if (n.right == null) {
            return n.left;
        }
        Node<A> successor = n.right;
        while (successor.left != null) {
            successor = successor.left;
        }
        return balance(successor.withChildren(n.left, deleteMin(n.right)));
    }

    private static <A> Node<A> deleteMin(Node<A> n) {
        if (n.left == null) {
            return n.right;
        }
        return balance(n.withChildren(deleteMin(n.left), n.right));
    }

    private static <A> Node<A> balance(Node<A> n) {
        int skew = height(n.left) - height(n.right);
        if (skew > 1) {
            Node<A> l = n.left;
            if (height(l.left) < height(l.right)) {
                l = rotateLeft(l);
            }
            return rotateRight(n.withChildren(l, n.right));
        }
        if (skew < -1) {
            Node<A> r = n.right;
            if (height(r.right) < height(r.left)) {
                r = rotateRight(r);
            }
            return rotateLeft(n.withChildren(n.left, r));
        }
        return n;
    }

    private static <A> Node<A> rotateRight(Node<A> n) {
        Node<A> l = n.left;
        return l.withChildren(l.left, n.withChildren(l.right, n.right));
    }

    private static <A> Node<A> rotateLeft(Node<A> n) {
        Node<A> r = n.right;
        return r.withChildren(n.withChildren(n.left, r.left), r.right);
    }
}
