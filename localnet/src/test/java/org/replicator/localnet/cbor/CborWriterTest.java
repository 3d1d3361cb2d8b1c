package org.replicator.localnet.cbor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CborWriterTest {
    @Test
    void keepsKeysInTheOrderTheyWereAddedSoStatusCanComeFirst() {
        CborMap response = CborMap.builder()
                .put("status", "replied")
                .put("reply", CborMap.builder().put("arg", new byte[] {1}).build())
                .build();
        assertEquals("d9d9f7a266737461747573677265706c696564657265706c79a1636172674101",
                HexFormat.of().formatHex(CborWriter.encode(response, true)));
    }

    @Test
    void usesTheShortestHeadForEveryArgument() {
        assertEquals("17", hex(CborInt.of(23)));
        assertEquals("1818", hex(CborInt.of(24)));
        assertEquals("1901f4", hex(CborInt.of(500)));
        assertEquals("1a00010000", hex(CborInt.of(65536)));
        assertEquals("1b0000000100000000", hex(CborInt.of(1L << 32)));
        assertEquals("1bffffffffffffffff", hex(CborInt.ofUnsigned(-1L)));
        assertEquals("3bffffffffffffffff", hex(new CborInt(BigInteger.ONE.shiftLeft(64).negate())));
    }

    @Test
    void roundTripsThroughTheReader() throws Exception {
        CborValue value = CborArray.of(
                CborBytes.of(new byte[300]),
                new CborText("ünïcode"),
                new CborTag(42, CborInt.of(-5)),
                CborMap.builder().put("k", CborSimple.TRUE).build());
        assertEquals(value, CborReader.read(CborWriter.encode(value, true)));
    }

    private static String hex(CborValue value) {
        return HexFormat.of().formatHex(CborWriter.encode(value, false));
    }
}
