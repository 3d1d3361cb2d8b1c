package org.replicator.localnet.management;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ic4j.candid.parser.IDLArgs;
import org.ic4j.candid.parser.IDLValue;
import org.ic4j.candid.types.Label;
import org.replicator.localnet.ids.Principal;

/**
 * Reads the record argument of a management-canister method, decoded by ic4j-candid without
 * types (which is the reliable way for variants), with errors that name the field at fault.
 */
final class CandidArgs {
    private final Map<Label, Object> fields;

    private CandidArgs(Map<Label, Object> fields) {
        this.fields = fields;
    }

    /** Decodes a message whose single argument is a record. */
    static CandidArgs decodeRecord(byte[] candid) {
        List<IDLValue> args;
        try {
            args = IDLArgs.fromBytes(candid).getArgs();
        } catch (RuntimeException | Error e) {
            throw new InvalidArgumentException("the argument is not valid Candid: " + e.getMessage());
        }
        if (args.isEmpty() || !(args.get(0).getValue() instanceof Map<?, ?>)) {
            throw new InvalidArgumentException("the argument must be one Candid record");
        }
        Object value = args.get(0).getValue();
        @SuppressWarnings("unchecked")
        Map<Label, Object> map = (Map<Label, Object>) value;
        return new CandidArgs(map);
    }

    static CandidArgs of(Map<Label, Object> fields) {
        return new CandidArgs(fields);
    }

    boolean has(String name) {
        return fields.containsKey(Label.createNamedLabel(name));
    }

    Object raw(String name) {
        return fields.get(Label.createNamedLabel(name));
    }

    Principal principal(String name) {
        Object v = required(name);
        if (v instanceof org.ic4j.types.Principal p) {
            return Principal.of(p.getValue());
        }
        throw wrongType(name, "principal", v);
    }

    /** An optional field: absent or null both mean none. */
    Optional<Object> opt(String name) {
        Object v = raw(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Optional<?> o) {
            return o.map(x -> (Object) x);
        }
        throw wrongType(name, "opt", v);
    }

    BigInteger nat(String name) {
        return toNat(name, required(name));
    }

    Optional<BigInteger> optNat(String name) {
        return opt(name).map(v -> toNat(name, v));
    }

    Optional<Principal> optPrincipal(String name) {
        return opt(name).map(v -> {
            if (v instanceof org.ic4j.types.Principal p) {
                return Principal.of(p.getValue());
            }
            throw wrongType(name, "principal", v);
        });
    }

    Optional<CandidArgs> optRecord(String name) {
        return opt(name).map(v -> asRecord(name, v));
    }

    Optional<List<Principal>> optPrincipals(String name) {
        return opt(name).map(v -> {
            if (!(v instanceof Object[] array)) {
                throw wrongType(name, "vec principal", v);
            }
            List<Principal> out = new ArrayList<>();
            for (Object o : array) {
                if (!(o instanceof org.ic4j.types.Principal p)) {
                    throw wrongType(name, "vec principal", o);
                }
                out.add(Principal.of(p.getValue()));
            }
            return out;
        });
    }

    byte[] blob(String name) {
        Object v = required(name);
        if (v instanceof byte[] b) {
            return b;
        }
        if (v instanceof Byte[] boxed) {
            byte[] out = new byte[boxed.length];
            for (int i = 0; i < boxed.length; i++) {
                out[i] = boxed[i];
            }
            return out;
        }
        throw wrongType(name, "blob", v);
    }

    /** The chosen case of a variant field and its payload. */
    Map.Entry<String, Object> variant(String name, List<String> cases) {
        Object v = required(name);
        if (!(v instanceof Map<?, ?> map) || map.size() != 1) {
            throw wrongType(name, "variant", v);
        }
        Map.Entry<?, ?> entry = map.entrySet().iterator().next();
        Label label = (Label) entry.getKey();
        for (String c : cases) {
            if (Label.createNamedLabel(c).equals(label)) {
                return Map.entry(c, entry.getValue() == null ? Optional.empty() : entry.getValue());
            }
        }
        throw new InvalidArgumentException("field '" + name + "' has an unknown variant case; expected one of "
                + cases);
    }

    static CandidArgs asRecord(String name, Object v) {
        if (v instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<Label, Object> map = (Map<Label, Object>) m;
            return new CandidArgs(map);
        }
        throw wrongType(name, "record", v);
    }

    private Object required(String name) {
        Object v = raw(name);
        if (v == null) {
            throw new InvalidArgumentException("the argument has no field '" + name + "'");
        }
        return v;
    }

    private static BigInteger toNat(String name, Object v) {
        if (v instanceof BigInteger b && b.signum() >= 0) {
            return b;
        }
        if (v instanceof Long l) {
            return BigInteger.valueOf(l);
        }
        throw wrongType(name, "nat", v);
    }

    private static InvalidArgumentException wrongType(String name, String expected, Object v) {
        return new InvalidArgumentException("field '" + name + "' should be " + expected + " but is "
                + (v == null ? "missing" : v.getClass().getSimpleName()));
    }

    /** The argument does not fit the method's Candid type. */
    static final class InvalidArgumentException extends RuntimeException {
        InvalidArgumentException(String message) {
            super(message);
        }
    }
}
