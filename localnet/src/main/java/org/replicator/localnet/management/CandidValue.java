package org.replicator.localnet.management;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ic4j.candid.parser.IDLType;
import org.ic4j.candid.types.Label;
import org.ic4j.candid.types.Type;
import org.replicator.localnet.ids.Principal;

/**
 * A Candid value together with its type, for building management-canister replies with
 * ic4j-candid. Records and variants are kept in sorted maps (ic4j-candid emits fields in map order,
 * and Candid requires them sorted by label hash); a variant is typed with only its chosen case,
 * a valid subtype of the full variant, because ic4j-candid always writes case index 0.
 */
record CandidValue(Object value, IDLType type) {
    static final IDLType BLOB = IDLType.createType(Type.VEC, IDLType.createType(Type.NAT8));

    static CandidValue nat(long n) {
        return new CandidValue(BigInteger.valueOf(n), IDLType.createType(Type.NAT));
    }

    static CandidValue nat(BigInteger n) {
        return new CandidValue(n, IDLType.createType(Type.NAT));
    }

    static CandidValue nat64(long n) {
        return new CandidValue(n, IDLType.createType(Type.NAT64));
    }

    static CandidValue bool(boolean b) {
        return new CandidValue(b, IDLType.createType(Type.BOOL));
    }

    static CandidValue text(String s) {
        return new CandidValue(s, IDLType.createType(Type.TEXT));
    }

    static CandidValue blob(byte[] bytes) {
        return new CandidValue(bytes, BLOB);
    }

    static CandidValue principal(Principal p) {
        return new CandidValue(org.ic4j.types.Principal.from(p.bytes()), IDLType.createType(Type.PRINCIPAL));
    }

    static CandidValue principals(List<Principal> list) {
        org.ic4j.types.Principal[] values = list.stream().map(p -> org.ic4j.types.Principal.from(p.bytes()))
                .toArray(org.ic4j.types.Principal[]::new);
        return new CandidValue(values, IDLType.createType(Type.VEC, IDLType.createType(Type.PRINCIPAL)));
    }

    static CandidValue optBlob(byte[] bytes) {
        return new CandidValue(Optional.ofNullable(bytes), IDLType.createType(Type.OPT, BLOB));
    }

    /** An empty vector of records with the given field types. */
    static CandidValue emptyVecOf(Record element) {
        return new CandidValue(new Object[0], IDLType.createType(Type.VEC, element.type()));
    }

    static Record record() {
        return new Record();
    }

    /** A variant holding {@code caseName} with no payload. */
    static CandidValue variant(String caseName) {
        Map<Label, Object> v = new TreeMap<>();
        Map<Label, IDLType> t = new TreeMap<>();
        v.put(Label.createNamedLabel(caseName), null);
        t.put(Label.createNamedLabel(caseName), IDLType.createType(Type.NULL));
        return new CandidValue(v, IDLType.createType(Type.VARIANT, t));
    }

    static final class Record {
        private final Map<Label, Object> values = new TreeMap<>();
        private final Map<Label, IDLType> types = new TreeMap<>();

        Record field(String name, CandidValue v) {
            values.put(Label.createNamedLabel(name), v.value());
            types.put(Label.createNamedLabel(name), v.type());
            return this;
        }

        IDLType type() {
            return IDLType.createType(Type.RECORD, types);
        }

        CandidValue build() {
            return new CandidValue(values, type());
        }
    }
}
