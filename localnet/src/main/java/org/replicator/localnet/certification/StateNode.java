package org.replicator.localnet.certification;

/** A value in the state tree: a leaf blob or a labelled subtree, each with its digest memoised. */
sealed interface StateNode permits StateNode.Leaf, StateNode.Subtree {
    /** The digest of this node's hash tree ({@code reconstruct}). */
    byte[] digest();

    static Leaf leaf(byte[] value) {
        return new Leaf(value, Digests.leaf(value));
    }

    static Subtree subtree(LabelTree<?> tree) {
        return new Subtree(tree);
    }

    final class Leaf implements StateNode {
        private final byte[] value;
        private final byte[] digest;

        private Leaf(byte[] value, byte[] digest) {
            this.value = value;
            this.digest = digest;
        }

        byte[] value() {
            return value;
        }

        @Override
        public byte[] digest() {
            return digest;
        }
    }

    final class Subtree implements StateNode {
        private final LabelTree<?> tree;

        private Subtree(LabelTree<?> tree) {
            this.tree = tree;
        }

        LabelTree<?> tree() {
            return tree;
        }

        @Override
        public byte[] digest() {
            return tree.digest();
        }
    }
}
