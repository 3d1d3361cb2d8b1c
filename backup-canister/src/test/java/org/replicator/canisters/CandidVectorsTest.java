package org.replicator.canisters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.junit.jupiter.api.Test;

/** ic4j-candid and the canisters' own Candid code agree on the shared vectors, byte for byte. */
class CandidVectorsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void ic4jEncodesEveryVectorToTheSameBytesAsTheCanisters() {
        Map<String, byte[]> file = CandidVectors.file();
        CandidVectors.encodable().forEach((name, value) -> {
            byte[] expected = file.get(name);
            assertEquals(HEX.formatHex(expected), HEX.formatHex(IDLArgs.create(List.of(value)).toBytes()), name);
        });
    }

    @Test
    void ic4jDecodesEveryVectorToTheValueItEncodes() {
        Map<String, byte[]> file = CandidVectors.file();
        CandidVectors.encodable().forEach((name, value) -> {
            Object decoded = IDLArgs.fromBytes(file.get(name)).getArgs().get(0).getValue();
            assertEquals(canonical(value.getValue()), canonical(decoded), name);
        });
    }

    @Test
    void ic4jDecodesAVariantCaseOtherThanTheFirst() {
        Object decoded = IDLArgs.fromBytes(CandidVectors.file().get("variant_other_case")).getArgs().get(0).getValue();
        assertEquals(canonical(Map.of(Label.createNamedLabel("err"), "no")), canonical(decoded));
    }

    @Test
    void theFileHoldsExactlyTheVectorsBothSidesKnow() {
        List<String> names = new ArrayList<>(CandidVectors.encodable().keySet());
        names.add("variant_other_case");
        assertEquals(names.stream().sorted().toList(), CandidVectors.file().keySet().stream().sorted().toList());
    }

    /** A form in which equal Candid values are equal: labels by id, blobs as hex, numbers as nat. */
    private static Object canonical(Object o) {
        if (o instanceof IDLValue v) {
            return canonical((Object) v.getValue());
        }
        if (o instanceof Map<?, ?> m) {
            Map<Long, Object> out = new TreeMap<>();
            m.forEach((k, v) -> out.put(((Label) k).getId(), canonical(v)));
            return out;
        }
        if (o instanceof byte[] b) {
            return "blob:" + HEX.formatHex(b);
        }
        if (o instanceof Byte[] b) {
            byte[] raw = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                raw[i] = b[i];
            }
            return "blob:" + HEX.formatHex(raw);
        }
        if (o instanceof Optional<?> opt) {
            return opt.map(x -> List.of(canonical(x))).orElse(List.of());
        }
        if (o instanceof Object[] arr) {
            List<Object> out = new ArrayList<>();
            for (Object x : arr) {
                out.add(canonical(x));
            }
            return out;
        }
        if (o instanceof Long l) {
            return "nat:" + Long.toUnsignedString(l);
        }
        if (o instanceof BigInteger b) {
            return "nat:" + b;
        }
        return o == null ? "null" : o.getClass().getSimpleName() + ":" + o;
    }
}
