package org.replicator.coordinator.agent;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.ic4j.types.Principal;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * Candid records built and read the way ic4j-candid 0.7.2 gets right: TreeMaps for values and
 * types (a HashMap silently yields invalid Candid), explicit nat/nat64/blob types, and untyped
 * decoding with fields looked up by name (see the notes on ic4j's quirks).
 */
public final class Candid {
    private Candid() {
    }

    /** A record under construction; fields may be added in any order. */
    public static final class RecordBuilder {
        private final Map<Label, Object> values = new TreeMap<>();
        private final Map<Label, IDLType> types = new TreeMap<>();

        public RecordBuilder field(String name, Object value, IDLType type) {
            values.put(Label.createNamedLabel(name), value);
            types.put(Label.createNamedLabel(name), type);
            return this;
        }

        public RecordBuilder nat64(String name, long value) {
            return field(name, value, IDLType.createType(Type.NAT64));
        }

        public RecordBuilder nat(String name, BigInteger value) {
            return field(name, value, IDLType.createType(Type.NAT));
        }

        public RecordBuilder principal(String name, PrincipalId value) {
            return field(name, value.toIc4j(), IDLType.createType(Type.PRINCIPAL));
        }

        public RecordBuilder blob(String name, byte[] value) {
            return field(name, value, blobType());
        }

        public IDLValue value() {
            return IDLValue.create(values, IDLType.createType(Type.RECORD, types));
        }

        public IDLType type() {
            return IDLType.createType(Type.RECORD, types);
        }

        public Map<Label, Object> values() {
            return values;
        }

        /** The record as the single argument of a call. */
        public byte[] toArg() {
            return IDLArgs.create(List.of(value())).toBytes();
        }
    }

    public static RecordBuilder record() {
        return new RecordBuilder();
    }

    public static IDLType blobType() {
        return IDLType.createType(Type.VEC, IDLType.createType(Type.NAT8));
    }

    public static IDLType optType(IDLType inner) {
        return IDLType.createType(Type.OPT, inner);
    }

    public static IDLType vecType(IDLType inner) {
        return IDLType.createType(Type.VEC, inner);
    }

    /** The first value of a reply, which every method of the protocol replies with as a record. */
    public static Map<?, ?> replyRecord(byte[] reply) {
        List<IDLValue> args = IDLArgs.fromBytes(reply).getArgs();
        if (args.isEmpty()) {
            throw new IllegalStateException("the reply carries no value");
        }
        Object value = args.get(0).getValue();
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalStateException("the reply is not a record but " + describe(value));
        }
        return map;
    }

    /** The first value of a reply as a vector of records. */
    public static List<Map<?, ?>> replyVector(byte[] reply) {
        Object value = IDLArgs.fromBytes(reply).getArgs().get(0).getValue();
        List<Map<?, ?>> result = new ArrayList<>();
        if (!(value instanceof Object[] items)) {
            throw new IllegalStateException("the reply is not a vector but " + describe(value));
        }
        for (Object item : items) {
            result.add((Map<?, ?>) item);
        }
        return result;
    }

    public static Object field(Map<?, ?> record, String name) {
        Label label = Label.createNamedLabel(name);
        if (!record.containsKey(label)) {
            throw new IllegalStateException("the record has no field " + name);
        }
        return record.get(label);
    }

    public static long nat64(Map<?, ?> record, String name) {
        Object v = field(record, name);
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof BigInteger b) {
            return b.longValueExact();
        }
        throw new IllegalStateException("field " + name + " is not a nat64 but " + describe(v));
    }

    public static BigInteger nat(Map<?, ?> record, String name) {
        Object v = field(record, name);
        if (v instanceof BigInteger b) {
            return b;
        }
        if (v instanceof Long l) {
            return BigInteger.valueOf(l);
        }
        throw new IllegalStateException("field " + name + " is not a nat but " + describe(v));
    }

    public static boolean bool(Map<?, ?> record, String name) {
        return (Boolean) field(record, name);
    }

    public static String text(Map<?, ?> record, String name) {
        Object v = field(record, name);
        return String.valueOf(v);
    }

    public static byte[] blob(Map<?, ?> record, String name) {
        return unbox(field(record, name));
    }

    public static PrincipalId principal(Map<?, ?> record, String name) {
        return PrincipalId.of((Principal) field(record, name));
    }

    public static Optional<Object> opt(Map<?, ?> record, String name) {
        Object v = field(record, name);
        if (v instanceof Optional<?> o) {
            return o.map(x -> (Object) x);
        }
        throw new IllegalStateException("field " + name + " is not an opt but " + describe(v));
    }

    /** The case name of an untyped-decoded variant, matched against the names it may have. */
    public static String variantCase(Object variant, List<String> names) {
        Map<?, ?> map = (Map<?, ?>) variant;
        for (String name : names) {
            if (map.containsKey(Label.createNamedLabel(name))) {
                return name;
            }
        }
        throw new IllegalStateException("variant case not one of " + names + ": " + map.keySet());
    }

    /** The payload of a variant's case. */
    public static Object variantValue(Object variant, String name) {
        return ((Map<?, ?>) variant).get(Label.createNamedLabel(name));
    }

    public static byte[] unbox(Object blob) {
        if (blob instanceof byte[] b) {
            return b;
        }
        Object[] boxed = (Object[]) blob;
        byte[] bytes = new byte[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            bytes[i] = (Byte) boxed[i];
        }
        return bytes;
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName();
    }
}
