package org.replicator.localnet.certification;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;

/** Labels order bytewise, unsigned, as the spec's well-formed trees require. */
final class Labels {
    static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private Labels() {
    }

    static byte[] utf8(String label) {
        return label.getBytes(StandardCharsets.UTF_8);
    }

    /** Printable ASCII labels as text, everything else as hex. */
    static String display(byte[] label) {
        for (byte b : label) {
            if (b < 0x20 || b > 0x7e) {
                return HexFormat.of().formatHex(label);
            }
        }
        return new String(label, StandardCharsets.US_ASCII);
    }
}
