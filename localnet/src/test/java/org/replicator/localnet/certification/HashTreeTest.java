package org.replicator.localnet.certification;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborException;
import org.replicator.localnet.cbor.CborReader;

class HashTreeTest {
    /** The example tree of the interface specification, section "Certificate". */
    private static final String SPEC_CBOR = "8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c6483"
            + "024162820344676f6f648301830241638100830241648203476d6f726e696e67";
    private static final String SPEC_ROOT = "eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0";

    static HashTree specTree() {
        return HashTree.fork(
                HashTree.fork(
                        HashTree.labeled("a", HashTree.fork(
                                HashTree.fork(HashTree.labeled("x", HashTree.leaf("hello")), HashTree.empty()),
                                HashTree.labeled("y", HashTree.leaf("world")))),
                        HashTree.labeled("b", HashTree.leaf("good"))),
                HashTree.fork(
                        HashTree.labeled("c", HashTree.empty()),
                        HashTree.labeled("d", HashTree.leaf("morning"))));
    }

    @Test
    void encodesAndHashesTheSpecificationExampleExactly() {
        HashTree tree = specTree();
        assertEquals(SPEC_CBOR, HexFormat.of().formatHex(tree.encode()));
        assertEquals(SPEC_ROOT, HexFormat.of().formatHex(tree.digest()));
    }

    @Test
    void decodingTheSpecificationExampleGivesTheSameDigest() throws CborException {
        HashTree decoded = HashTree.fromCbor(CborReader.read(HexFormat.of().parseHex(SPEC_CBOR)));
        assertEquals(SPEC_ROOT, HexFormat.of().formatHex(decoded.digest()));
        assertArrayEquals(HexFormat.of().parseHex(SPEC_CBOR), decoded.encode());
    }

    @Test
    void prunedNodesKeepTheDigestOfWhatTheyReplace() {
        HashTree full = specTree();
        HashTree a = ((HashTree.Fork) ((HashTree.Fork) full).left()).left();
        HashTree pruned = HashTree.fork(
                HashTree.fork(HashTree.pruned(a.digest()), HashTree.labeled("b", HashTree.leaf("good"))),
                HashTree.pruned(((HashTree.Fork) full).right().digest()));
        assertArrayEquals(full.digest(), pruned.digest());
    }

    @Test
    void lookupFindsValuesAndProvesAbsenceBetweenNeighbours() {
        HashTree tree = specTree();
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8),
                ((HashTree.Found) tree.lookup(Path.of("a", "x"))).value());
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("a", "xx")));
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("bb")));
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("e")));
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("c")), "an empty subtree holds no value");
        assertInstanceOf(HashTree.LookupError.class, tree.lookup(Path.of("a")), "a subtree is not a value");
        assertInstanceOf(HashTree.LookupError.class, tree.lookup(Path.of("b", "z")), "a leaf has no children");
    }

    @Test
    void lookupIsUnknownWhenAPrunedNodeLiesWhereTheLabelWouldBe() {
        HashTree tree = HashTree.fork(
                HashTree.labeled("a", HashTree.leaf("1")),
                HashTree.fork(HashTree.pruned(new byte[32]), HashTree.labeled("d", HashTree.leaf("4"))));
        assertInstanceOf(HashTree.Unknown.class, tree.lookup(Path.of("b")));
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("0")));
        assertInstanceOf(HashTree.Absent.class, tree.lookup(Path.of("e")));
    }

    @Test
    void refusesMalformedEncodings() {
        String[] bad = {"8200", "830261618100", "82034161" + "00", "820441" + "00", "8105", "a0"};
        for (String hex : bad) {
            assertThrows(CborException.class, () -> HashTree.fromCbor(CborReader.read(HexFormat.of().parseHex(hex))),
                    hex);
        }
    }
}
