package org.replicator.coordinator.costs;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * RFC 4180 CSV: records end with CRLF; a field holding a comma, a double quote, CR or LF is
 * enclosed in double quotes with its quotes doubled. Null and empty optionals are empty fields.
 */
public final class Csv {
    private Csv() {
    }

    public static String field(Object value) {
        Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
        if (v == null) {
            return "";
        }
        String s = v.toString();
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\r') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** One record, its line break included. */
    public static String record(Object... fields) {
        return Arrays.stream(fields).map(Csv::field).collect(Collectors.joining(",")) + "\r\n";
    }
}
