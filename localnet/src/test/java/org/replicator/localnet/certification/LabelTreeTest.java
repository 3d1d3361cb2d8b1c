package org.replicator.localnet.certification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LabelTreeTest {
    private static byte[] label(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    private static LabelTree<Void> treeOf(int n) {
        LabelTree<Void> tree = LabelTree.empty();
        for (int i = 0; i < n; i++) {
            tree = tree.put(label(i), StateNode.leaf(label(i * 7)), null);
        }
        return tree;
    }

    @Test
    void staysBalancedWhenLabelsArriveInOrder() {
        LabelTree<Void> tree = treeOf(4096);
        Set<LabelTree.Node<Void>> all = nodes(tree);
        int height = all.stream().mapToInt(n -> n.height).max().orElse(0);
        assertEquals(4096, tree.size());
        assertTrue(height <= 1.45 * (Math.log(4096 + 2) / Math.log(2)), "height " + height);
    }

    @Test
    void anUpdateCopiesOnlyThePathToTheChangedLabel() {
        LabelTree<Void> before = treeOf(4096);
        LabelTree<Void> after = before.put(label(1234), StateNode.leaf(new byte[] {1}), null);
        Set<LabelTree.Node<Void>> old = nodes(before);
        long fresh = nodes(after).stream().filter(n -> !old.contains(n)).count();
        assertTrue(fresh <= 20, "an update among 4096 labels created " + fresh + " nodes");
    }

    @Test
    void olderVersionsAreUnchangedByLaterUpdates() {
        LabelTree<Void> before = treeOf(100);
        byte[] digest = before.digest().clone();
        LabelTree<Void> after = before.put(label(5), StateNode.leaf(new byte[] {9}), null).remove(label(6));
        assertArrayEquals(digest, before.digest());
        assertArrayEquals(label(35), ((StateNode.Leaf) before.get(label(5)).value()).value());
        assertArrayEquals(new byte[] {9}, ((StateNode.Leaf) after.get(label(5)).value()).value());
        assertEquals(99, after.size());
    }

    @Test
    void keepsTheSameContentsAsASortedMapUnderRandomUpdates() {
        Random random = new Random(42);
        TreeMap<Integer, Integer> reference = new TreeMap<>();
        LabelTree<Void> tree = LabelTree.empty();
        for (int step = 0; step < 5000; step++) {
            int key = random.nextInt(500);
            if (random.nextInt(3) == 0) {
                reference.remove(key);
                tree = tree.remove(label(key));
            } else {
                reference.put(key, step);
                tree = tree.put(label(key), StateNode.leaf(label(step)), null);
            }
        }
        List<Integer> keys = new ArrayList<>();
        List<Integer> values = new ArrayList<>();
        tree.forEach((l, n) -> {
            keys.add(ByteBuffer.wrap(l).getInt());
            values.add(ByteBuffer.wrap(((StateNode.Leaf) n.value()).value()).getInt());
        });
        assertEquals(new ArrayList<>(reference.keySet()), keys);
        assertEquals(new ArrayList<>(reference.values()), values);
        assertArrayEquals(tree.digest(), tree.fullTree(List.of(), p -> false).digest());
    }

    @Test
    void everyWitnessHasTheDigestOfTheWholeTree() {
        LabelTree<Void> tree = treeOf(300);
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            List<Path> paths = new ArrayList<>();
            for (int i = random.nextInt(5); i >= 0; i--) {
                paths.add(Path.of((Object) label(random.nextInt(400))));
            }
            HashTree witness = tree.witness(PathTrie.of(paths), List.of(), p -> false);
            assertArrayEquals(tree.digest(), witness.digest());
        }
    }

    @Test
    void neighboursFoundByLowerAndHigherAreTheAdjacentLabels() {
        LabelTree<Void> tree = LabelTree.empty();
        for (int i : new int[] {10, 20, 30}) {
            tree = tree.put(label(i), StateNode.leaf(new byte[0]), null);
        }
        assertArrayEquals(label(10), tree.lower(label(15)).label());
        assertArrayEquals(label(20), tree.higher(label(15)).label());
        assertArrayEquals(label(20), tree.floor(label(29)).label());
        assertArrayEquals(label(30), tree.floor(label(30)).label());
        assertEquals(null, tree.floor(label(5)));
    }

    private static <A> Set<LabelTree.Node<A>> nodes(LabelTree<A> tree) {
        Set<LabelTree.Node<A>> out = Collections.newSetFromMap(new IdentityHashMap<>());
        List<LabelTree.Node<A>> stack = new ArrayList<>();
        tree.forEach((l, n) -> stack.add(n));
        for (LabelTree.Node<A> n : stack) {
            out.add(n);
        }
        return out;
    }
}
