package org.replicator.localnet.ids;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PrincipalTest {
    @Test
    void textFormMatchesTheSpecificationExamples() {
        assertEquals("aaaaa-aa", Principal.managementCanister().toText());
        assertEquals("2vxsx-fae", Principal.anonymous().toText());
        assertEquals("em77e-bvlzu-aq", Principal.of(HexFormat.of().parseHex("abcd01")).toText());
    }

    @Test
    void canisterIdsAreEightByteIndicesFollowedByTwoOnes() {
        assertEquals("rwlgt-iiaaa-aaaaa-aaaaa-cai", Principal.canister(0).toText());
        assertEquals("rrkah-fqaaa-aaaaa-aaaaq-cai", Principal.canister(1).toText());
        assertEquals("ryjl3-tyaaa-aaaaa-aaaba-cai", Principal.canister(2).toText());
        assertEquals(2, Principal.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai").canisterIndex());
    }

    @Test
    void textRoundTripsAndRejectsBadChecksums() {
        Principal p = Principal.selfAuthenticating(new byte[] {1, 2, 3});
        assertTrue(p.isSelfAuthenticating());
        assertArrayEquals(p.bytes(), Principal.fromText(p.toText()).bytes());
        assertThrows(IllegalArgumentException.class, () -> Principal.fromText("rwlgt-iiaaa-aaaaa-aaaaa-caa"));
        assertThrows(IllegalArgumentException.class, () -> Principal.fromText("not a principal!"));
    }

    @Test
    void rangesCompareBytewise() {
        CanisterIdRange range = CanisterIdRange.ofIndices(0, 0xFFFFF);
        assertTrue(range.contains(Principal.canister(5)));
        assertTrue(!range.contains(Principal.canister(0x100000)));
    }
}
