package org.replicator.localnet.cbor;

import java.util.Locale;

/** The CBOR simple values the IC never uses but a reader must still represent. */
public enum CborSimple implements CborValue {
    FALSE, TRUE, NULL, UNDEFINED;

    @Override
    public String kind() {
        return name().toLowerCase(Locale.ROOT);
    }
}
