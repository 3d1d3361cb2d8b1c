package org.replicator.localnet.certification;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborValue;
import org.replicator.localnet.cbor.CborWriter;

/**
 * The IC's hash tree (spec "Certification"): what a certificate carries. Digests are computed
 * once, when a node is built, so a tree is immutable and safe to share between threads. Labels
 * and values are byte strings on the wire; ic4j cannot read text-string labels.
 */
public sealed interface HashTree permits HashTree.Empty, HashTree.Fork, HashTree.Labeled, HashTree.Leaf,
        HashTree.Pruned {

    /** {@code reconstruct(tree)} of the spec: the root hash this tree proves. */
    byte[] digest();

    static HashTree empty() {
        return Empty.INSTANCE;
    }

    static HashTree fork(HashTree left, HashTree right) {
        return new Fork(left, right);
    }

    static HashTree labeled(byte[] label, HashTree subtree) {
        return new Labeled(label.clone(), subtree);
    }

    static HashTree labeled(String label, HashTree subtree) {
        return new Labeled(Labels.utf8(label), subtree);
    }

    static HashTree leaf(byte[] value) {
        return new Leaf(value.clone());
    }

    static HashTree leaf(String value) {
        return new Leaf(value.getBytes(StandardCharsets.UTF_8));
    }

    static HashTree pruned(byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("a pruned digest has 32 bytes, got " + digest.length);
        }
        return new Pruned(digest.clone());
    }

    /** The tree as CBOR: {@code [0]}, {@code [1,l,r]}, {@code [2,label,t]}, {@code [3,v]}, {@code [4,h]}. */
    default CborValue toCbor() {
        return HashTreeCodec.toCbor(this);
    }

    /** The CBOR encoding of the tree alone, without a tag. */
    default byte[] encode() {
        return CborWriter.encode(toCbor(), false);
    }

    static HashTree fromCbor(CborValue value) throws CborException {
        return HashTreeCodec.fromCbor(value);
    }

    /** The spec's {@code lookup_path}: a value, proof of absence, unknown (pruned) or error. */
    default Lookup lookup(Path path) {
        return HashTreeLookup.lookupPath(this, path.labelsUnsafe(), false);
    }

    /** Like {@link #lookup} but returns whatever subtree the path leads to. */
    default Lookup lookupSubtree(Path path) {
        return HashTreeLookup.lookupPath(this, path.labelsUnsafe(), true);
    }

    /** The children of this node with forks flattened away, as the spec's {@code flatten_forks}. */
    default List<HashTree> flattenForks() {
        List<HashTree> out = new ArrayList<>();
        Deque<HashTree> stack = new ArrayDeque<>();
        stack.push(this);
        while (!stack.isEmpty()) {
            HashTree t = stack.pop();
            if (t instanceof Fork f) {
                stack.push(f.right);
                stack.push(f.left);
            } else if (!(t instanceof Empty)) {
                out.add(t);
            }
        }
        return out;
    }

    /** Result of a lookup; {@code Found} carries a leaf value or, for subtree lookups, the subtree. */
    sealed interface Lookup permits Found, Absent, Unknown, LookupError {
    }

    record Found(HashTree tree) implements Lookup {
        /** The leaf's value; fails if the path led to a subtree. */
        public byte[] value() {
            if (tree instanceof Leaf l) {
                return l.value();
            }
            throw new IllegalStateException("the path leads to a subtree, not a leaf");
        }
    }

    record Absent() implements Lookup {
    }

    record Unknown() implements Lookup {
    }

    record LookupError() implements Lookup {
    }

    final class Empty implements HashTree {
        static final Empty INSTANCE = new Empty();

        private Empty() {
        }

        @Override
        public byte[] digest() {
            return Digests.EMPTY_TREE.clone();
        }

        @Override
        public String toString() {
            return "Empty";
        }
    }

    final class Fork implements HashTree {
        private final HashTree left;
        private final HashTree right;
        private final byte[] digest;

        Fork(HashTree left, HashTree right) {
            this.left = left;
            this.right = right;
            this.digest = Digests.fork(HashTreeCodec.rawDigest(left), HashTreeCodec.rawDigest(right));
        }

        public HashTree left() {
            return left;
        }

        public HashTree right() {
            return right;
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }

        byte[] rawDigest() {
            return digest;
        }

        @Override
        public String toString() {
            return "Fork(" + left + ", " + right + ")";
        }
    }

    final class Labeled implements HashTree {
        private final byte[] label;
        private final HashTree subtree;
        private final byte[] digest;

        Labeled(byte[] label, HashTree subtree) {
            this.label = label;
            this.subtree = subtree;
            this.digest = Digests.labeled(label, HashTreeCodec.rawDigest(subtree));
        }

        public byte[] label() {
            return label.clone();
        }

        byte[] rawLabel() {
            return label;
        }

        public HashTree subtree() {
            return subtree;
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }

        byte[] rawDigest() {
            return digest;
        }

        @Override
        public String toString() {
            return "Labeled(" + Labels.display(label) + ", " + subtree + ")";
        }
    }

    final class Leaf implements HashTree {
        private final byte[] value;
        private final byte[] digest;

        Leaf(byte[] value) {
            this.value = value;
            this.digest = Digests.leaf(value);
        }

        public byte[] value() {
            return value.clone();
        }

        byte[] rawValue() {
            return value;
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }

        byte[] rawDigest() {
            return digest;
        }

        @Override
        public String toString() {
            return "Leaf(" + (value.length <= 64 ? HexFormat.of().formatHex(value) : value.length + " bytes") + ")";
        }
    }

    final class Pruned implements HashTree {
        private final byte[] digest;

        Pruned(byte[] digest) {
            this.digest = digest;
        }

        @Override
        public byte[] digest() {
            return digest.clone();
        }

        byte[] rawDigest() {
            return digest;
        }

        @Override
        public String toString() {
            return "Pruned(" + HexFormat.of().formatHex(digest, 0, 4) + "…)";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Pruned p && Arrays.equals(digest, p.digest);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(digest);
        }
    }
}
