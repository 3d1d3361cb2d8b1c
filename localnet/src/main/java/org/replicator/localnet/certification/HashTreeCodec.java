package org.replicator.localnet.certification;

import java.util.List;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborInt;
import org.replicator.localnet.cbor.CborValue;

/** CBOR form of hash trees and digest access without copying. */
final class HashTreeCodec {
    private HashTreeCodec() {
    }

    static byte[] rawDigest(HashTree tree) {
        if (tree instanceof HashTree.Fork f) {
            return f.rawDigest();
        }
        if (tree instanceof HashTree.Labeled l) {
            return l.rawDigest();
        }
        if (tree instanceof HashTree.Leaf l) {
            return l.rawDigest();
        }
        if (tree instanceof HashTree.Pruned p) {
            return p.rawDigest();
        }
        return Digests.EMPTY_TREE;
    }

    static CborValue toCbor(HashTree tree) {
        if (tree instanceof HashTree.Fork f) {
            return CborArray.of(CborInt.of(1), toCbor(f.left()), toCbor(f.right()));
        }
        if (tree instanceof HashTree.Labeled l) {
            return CborArray.of(CborInt.of(2), CborBytes.of(l.rawLabel()), toCbor(l.subtree()));
        }
        if (tree instanceof HashTree.Leaf l) {
            return CborArray.of(CborInt.of(3), CborBytes.of(l.rawValue()));
        }
        if (tree instanceof HashTree.Pruned p) {
            return CborArray.of(CborInt.of(4), CborBytes.of(p.rawDigest()));
        }
        return CborArray.of(CborInt.of(0));
    }

    static HashTree fromCbor(CborValue value) throws CborException {
        if (!(value instanceof CborArray array) || array.size() == 0 || !(array.get(0) instanceof CborInt tag)) {
            throw new CborException("a hash tree node is an array starting with its type");
        }
        List<CborValue> items = array.items();
        int type = tag.value().intValue();
        switch (type) {
            case 0:
                expectSize(items, 1);
                return HashTree.empty();
            case 1:
                expectSize(items, 3);
                return new HashTree.Fork(fromCbor(items.get(1)), fromCbor(items.get(2)));
            case 2:
                expectSize(items, 3);
                return new HashTree.Labeled(bytes(items.get(1)), fromCbor(items.get(2)));
            case 3:
                expectSize(items, 2);
                return new HashTree.Leaf(bytes(items.get(1)));
            case 4: {
                expectSize(items, 2);
                byte[] digest = bytes(items.get(1));
                if (digest.length != 32) {
                    throw new CborException("a pruned node holds a 32-byte digest, got " + digest.length);
                }
                return new HashTree.Pruned(digest);
            }
            default:
                throw new CborException("unknown hash tree node type " + type);
        }
    }

    private static void expectSize(List<CborValue> items, int size) throws CborException {
        if (items.size() != size) {
            throw new CborException("hash tree node of type " + items.get(0) + " has " + items.size()
                    + " items, expected " + size);
        }
    }

    private static byte[] bytes(CborValue value) throws CborException {
        if (value instanceof CborBytes b) {
            return b.bytes();
        }
        throw new CborException("hash tree labels and values are byte strings, got a " + value.kind());
    }
}
