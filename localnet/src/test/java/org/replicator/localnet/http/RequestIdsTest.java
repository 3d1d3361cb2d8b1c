package org.replicator.localnet.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cbor.CborArray;
import org.replicator.localnet.cbor.CborBytes;
import org.replicator.localnet.cbor.CborFloat;
import org.replicator.localnet.cbor.CborInt;
import org.replicator.localnet.cbor.CborMap;
import org.replicator.localnet.cbor.CborReader;
import org.replicator.localnet.certification.Leb128;

class RequestIdsTest {
    @Test
    void matchesTheSpecificationsRequestIdExample() {
        CborMap content = CborMap.builder()
                .put("request_type", "call")
                .put("sender", new byte[] {4})
                .putUnsigned("ingress_expiry", 1685570400000000000L)
                .put("canister_id", HexFormat.of().parseHex("00000000000004D2"))
                .put("method_name", "hello")
                .put("arg", HexFormat.of().parseHex("4449444c00fd2a"))
                .build();
        assertEquals("0x1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101",
                RequestIds.of(content).toString());
    }

    @Test
    void dependsOnContentNotOnKeyOrderOrIntegerWidth() throws Exception {
        // {"a": 1, "b": h'01'} with a one-byte integer, then reversed and with an eight-byte integer.
        CborMap compact = (CborMap) CborReader.read(HexFormat.of().parseHex("a2616101616241" + "01"));
        CborMap wide = (CborMap) CborReader.read(HexFormat.of().parseHex("a26162410161611b0000000000000001"));
        assertEquals(HexFormat.of().formatHex(RequestIds.hashOfMap(compact)),
                HexFormat.of().formatHex(RequestIds.hashOfMap(wide)));
    }

    @Test
    void hashesArraysAsTheirItemsHashesAndNegativeIntegersAsSignedLeb128() {
        byte[] one = RequestIds.hashOfValue(CborBytes.of(new byte[] {1}));
        byte[] two = RequestIds.hashOfValue(CborBytes.of(new byte[] {2}));
        byte[] joined = new byte[64];
        System.arraycopy(one, 0, joined, 0, 32);
        System.arraycopy(two, 0, joined, 32, 32);
        assertEquals(HexFormat.of().formatHex(RequestIds.sha256(joined)), HexFormat.of().formatHex(
                RequestIds.hashOfValue(CborArray.of(CborBytes.of(new byte[] {1}), CborBytes.of(new byte[] {2})))));
        assertEquals("c0bb78", HexFormat.of().formatHex(Leb128.signed(BigInteger.valueOf(-123456))));
        assertEquals("e58e26", HexFormat.of().formatHex(Leb128.unsigned(624485)));
        assertEquals(HexFormat.of().formatHex(RequestIds.sha256(HexFormat.of().parseHex("c0bb78"))),
                HexFormat.of().formatHex(RequestIds.hashOfValue(CborInt.of(-123456))));
    }

    @Test
    void refusesValuesTheInterfaceDoesNotHave() {
        assertThrows(IllegalArgumentException.class, () -> RequestIds.hashOfValue(new CborFloat(1.5)));
    }
}
