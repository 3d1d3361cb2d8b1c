package org.replicator.canisters;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.ic4j.types.Principal;

/**
 * The Candid vectors shared with the Rust canisters' tests, and each one's value built the way
 * Java callers build it with ic4j-candid (TreeMaps, explicit nat/nat64/blob types).
 */
final class CandidVectors {
    static final IDLType NAT = IDLType.createType(Type.NAT);
    static final IDLType NAT64 = IDLType.createType(Type.NAT64);
    static final IDLType TEXT = IDLType.createType(Type.TEXT);
    static final IDLType BLOB = IDLType.createType(Type.VEC, IDLType.createType(Type.NAT8));

    private CandidVectors() {
    }

    /** The file's vectors by name, hex decoded, in file order. */
    static Map<String, byte[]> file() {
        try (InputStream in = CandidVectors.class.getResourceAsStream("/candid-vectors.txt")) {
            Map<String, byte[]> out = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                out.put(parts[0], HexFormat.of().parseHex(parts[1]));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Label label(String name) {
        return Label.createNamedLabel(name);
    }

    static IDLType record(Object... nameTypePairs) {
        Map<Label, IDLType> types = new TreeMap<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            types.put(label((String) nameTypePairs[i]), (IDLType) nameTypePairs[i + 1]);
        }
        return IDLType.createType(Type.RECORD, types);
    }

    static Map<Label, Object> values(Object... nameValuePairs) {
        Map<Label, Object> values = new TreeMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            values.put(label((String) nameValuePairs[i]), nameValuePairs[i + 1]);
        }
        return values;
    }

    static IDLType opt(IDLType inner) {
        return IDLType.createType(Type.OPT, inner);
    }

    static IDLType vec(IDLType inner) {
        return IDLType.createType(Type.VEC, inner);
    }

    static byte[] filled(int n, int b) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) b);
        return out;
    }

    static IDLType imageInfo() {
        return record("epoch", NAT64, "size", NAT64, "chunk_size", NAT64, "chunk_count", NAT64,
                "root", opt(BLOB), "hashed", NAT64, "expires_at", NAT64);
    }

    /** The value of each vector that ic4j encodes itself (variants only in their first case). */
    static Map<String, IDLValue> encodable() {
        Map<String, IDLValue> v = new LinkedHashMap<>();
        v.put("nat_42", IDLValue.create(BigInteger.valueOf(42), Type.NAT));
        v.put("nat_2_pow_70", IDLValue.create(BigInteger.ONE.shiftLeft(70), Type.NAT));
        v.put("nat64", IDLValue.create((1L << 40) + 5, Type.NAT64));
        v.put("text_unicode", IDLValue.create("héllo ✓"));
        v.put("principal_canister", IDLValue.create(Principal.from(new byte[] {0, 0, 0, 0, 0, 0, 0, 2, 1, 1})));
        v.put("blob_3", IDLValue.create(new byte[] {1, 2, 3}, BLOB));
        v.put("blob_empty", IDLValue.create(new byte[0], BLOB));
        v.put("opt_nat64_some", IDLValue.create(Optional.of(7L), opt(NAT64)));
        v.put("opt_blob_none", IDLValue.create(Optional.empty(), opt(BLOB)));
        IDLType entry = record("k", NAT64, "v", TEXT);
        v.put("vec_of_records", IDLValue.create(new Object[] {values("k", 1L, "v", "one"), values("k", 2L, "v", "two")}, vec(entry)));
        Map<Label, IDLType> resultCases = new TreeMap<>();
        resultCases.put(label("ok"), NAT64);
        resultCases.put(label("err"), TEXT);
        v.put("variant_first_case", IDLValue.create(values("ok", 9L), IDLType.createType(Type.VARIANT, resultCases)));
        v.put("read_args", IDLValue.create(values("epoch", 3L, "index", 17L), record("epoch", NAT64, "index", NAT64)));
        v.put("image_info_ready", IDLValue.create(values("epoch", 4L, "size", 3L << 20, "chunk_size", 1L << 20,
                "chunk_count", 3L, "root", Optional.of(filled(32, 0xab)), "hashed", 3L, "expires_at", 1_700_000_000_000_000_000L), imageInfo()));
        v.put("image_info_preparing", IDLValue.create(values("epoch", 5L, "size", 0L, "chunk_size", 1L << 20,
                "chunk_count", 0L, "root", Optional.empty(), "hashed", 0L, "expires_at", 1L), imageInfo()));
        byte[] ramp = new byte[256];
        for (int i = 0; i < 256; i++) {
            ramp[i] = (byte) i;
        }
        v.put("chunk", IDLValue.create(values("bytes", ramp, "hash", filled(32, 0x11)), record("bytes", BLOB, "hash", BLOB)));
        v.put("changes", IDLValue.create(values("indices", new Long[] {1L, 5L, 9L}, "next", Optional.of(10L)),
                record("indices", vec(NAT64), "next", opt(NAT64))));
        v.put("restore_begin", IDLValue.create(values("size", 65536L, "chunk_size", 65536L, "root", filled(32, 0x22)),
                record("size", NAT64, "chunk_size", NAT64, "root", BLOB)));
        return v;
    }
}
