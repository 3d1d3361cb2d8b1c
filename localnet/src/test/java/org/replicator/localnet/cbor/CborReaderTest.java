package org.replicator.localnet.cbor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CborReaderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void readsTheIndefiniteLengthMapsJacksonWritesForIc4j() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (JsonGenerator g = new CBORFactory().createGenerator(buffer)) {
            g.writeStartObject();
            g.writeFieldName("content");
            g.writeStartObject();
            g.writeStringField("request_type", "call");
            g.writeNumberField("ingress_expiry", 1795587847271000000L);
            g.writeFieldName("sender");
            g.writeBinary(new byte[] {4});
            g.writeEndObject();
            g.writeEndObject();
        }
        byte[] bytes = buffer.toByteArray();
        assertEquals(0xbf, bytes[0] & 0xff, "Jackson writes an indefinite-length map");

        CborMap envelope = (CborMap) CborReader.read(bytes);
        CborMap content = envelope.requireMap("content");
        assertEquals("call", content.requireText("request_type"));
        assertEquals(1795587847271000000L, content.requireUnsigned("ingress_expiry"));
        assertArrayEquals(new byte[] {4}, content.requireBytes("sender"));
    }

    @Test
    void dropsTheSelfDescribeTagWhereverItAppearsAndKeepsOtherTags() throws Exception {
        assertEquals(CborMap.builder().put("a", CborInt.of(1)).build(), CborReader.read(hex("d9d9f7 a1 6161 01")));
        CborArray array = (CborArray) CborReader.read(hex("82 d9d9f7 01 c1 1a 5f5e1000"));
        assertEquals(CborInt.of(1), array.get(0));
        assertEquals(new CborTag(1, CborInt.of(0x5f5e1000)), array.get(1));
    }

    @Test
    void readsIntegersOfEveryWidthIncludingTheFullUnsignedRange() throws Exception {
        assertEquals(CborInt.of(10), CborReader.read(hex("0a")));
        assertEquals(CborInt.of(500), CborReader.read(hex("19 01f4")));
        assertEquals(CborInt.ofUnsigned(-1L), CborReader.read(hex("1b ffffffffffffffff")));
        assertEquals(new CborInt(BigInteger.ONE.shiftLeft(64).negate()), CborReader.read(hex("3b ffffffffffffffff")));
        assertEquals(-1L, ((CborInt) CborReader.read(hex("1b ffffffffffffffff"))).unsignedLong());
    }

    @Test
    void joinsIndefiniteLengthStringChunks() throws Exception {
        assertEquals(CborBytes.of(new byte[] {1, 2, 3}), CborReader.read(hex("5f 42 0102 41 03 ff")));
        assertEquals(new CborText("abc"), CborReader.read(hex("7f 62 6162 61 63 ff")));
        assertEquals(CborArray.of(CborInt.of(1), CborInt.of(2)), CborReader.read(hex("9f 01 02 ff")));
    }

    @Test
    void acceptsIntegerMapKeysForCoseKeys() throws Exception {
        CborMap cose = (CborMap) CborReader.read(hex("a2 01 02 20 01"));
        assertEquals(CborInt.of(2), cose.get(1).orElseThrow());
        assertEquals(CborInt.of(1), cose.get(-1).orElseThrow());
    }

    @Test
    void rejectsWhatTheIcForbidsOrCannotMean() {
        List<String> bad = List.of(
                "a2 6161 01 6161 02",   // duplicate key
                "a1 41 00 01",          // byte-string key
                "01 02",                // trailing data
                "82 01",                // truncated array
                "5a ffffffff 00",       // length beyond the input
                "62 c328",              // invalid UTF-8
                "1c",                   // reserved additional information
                "ff",                   // lone break
                "");
        for (String input : bad) {
            assertThrows(CborException.class, () -> CborReader.read(hex(input)), input);
        }
    }

    @Test
    void keepsFloatsAndSimpleValuesSoCallersCanRejectThem() throws Exception {
        assertInstanceOf(CborFloat.class, CborReader.read(hex("f9 3c00")));
        assertEquals(1.0, ((CborFloat) CborReader.read(hex("f9 3c00"))).value());
        assertEquals(CborSimple.NULL, CborReader.read(hex("f6")));
        assertTrue(CborReader.read(hex("f5")) == CborSimple.TRUE);
    }
}
