package org.replicator.canisters.backup;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;

/** Just enough Candid for the tests: records in (TreeMaps, as ic4j needs), records out. */
final class Candid {
    static final byte[] EMPTY = IDLArgs.create(java.util.List.of()).toBytes();

    private Candid() {}

    /** A record argument built field by field with explicit types. */
    static final class Rec {
        private final Map<Label, Object> v = new TreeMap<>();
        private final Map<Label, IDLType> t = new TreeMap<>();

        Rec nat64(String name, long value) {
            return put(name, value, IDLType.createType(Type.NAT64));
        }

        Rec principal(String name, org.replicator.localnet.ids.Principal p) {
            return put(name, org.ic4j.types.Principal.from(p.bytes()), IDLType.createType(Type.PRINCIPAL));
        }

        Rec put(String name, Object value, IDLType type) {
            v.put(Label.createNamedLabel(name), value);
            t.put(Label.createNamedLabel(name), type);
            return this;
        }

        IDLValue value() {
            return IDLValue.create(v, IDLType.createType(Type.RECORD, t));
        }

        byte[] bytes() {
            return IDLArgs.create(java.util.List.of(value())).toBytes();
        }
    }

    static Rec rec() {
        return new Rec();
    }

    static byte[] nat64(long n) {
        return IDLArgs.create(java.util.List.of(IDLValue.create(n, Type.NAT64))).toBytes();
    }

    static byte[] principal(org.replicator.localnet.ids.Principal p) {
        return IDLArgs.create(java.util.List.of(IDLValue.create(org.replicator.localnet.testing.IcClient.ic4j(p), Type.PRINCIPAL))).toBytes();
    }

    static byte[] principals(java.util.List<org.replicator.localnet.ids.Principal> ps) {
        return IDLArgs.create(java.util.List.of(IDLValue.create(ps.stream().map(org.replicator.localnet.testing.IcClient::ic4j)
                .toArray(org.ic4j.types.Principal[]::new), org.ic4j.candid.parser.IDLType.createType(Type.VEC,
                        org.ic4j.candid.parser.IDLType.createType(Type.PRINCIPAL))))).toBytes();
    }

    /** A principal field as its text form. */
    static String principalText(Object record, String name) {
        return field(record, name).toString();
    }

    static byte[] bool(boolean b) {
        return IDLArgs.create(java.util.List.of(IDLValue.create(b))).toBytes();
    }

    static Object decode(byte[] reply) {
        return IDLArgs.fromBytes(reply).getArgs().get(0).getValue();
    }

    @SuppressWarnings("unchecked")
    static Map<Label, Object> record(Object o) {
        return (Map<Label, Object>) o;
    }

    static Object field(Object record, String name) {
        Object v = record(record).get(Label.createNamedLabel(name));
        if (v instanceof Optional<?> opt) {
            return opt.orElse(null);
        }
        return v;
    }

    static long u64(Object record, String name) {
        return ((Number) field(record, name)).longValue();
    }

    static String text(Object record, String name) {
        Object v = field(record, name);
        return v == null ? null : (String) v;
    }

    static byte[] blob(Object record, String name) {
        Object v = field(record, name);
        if (v instanceof byte[] b) {
            return b;
        }
        Byte[] boxed = (Byte[]) v;
        byte[] out = new byte[boxed.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = boxed[i];
        }
        return out;
    }
}
