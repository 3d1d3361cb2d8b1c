package org.replicator.localnet.cbor;

/** A CBOR text string. */
public record CborText(String value) implements CborValue {
    @Override
    public String kind() {
        return "text string";
    }

    @Override
    public String toString() {
        return '"' + value + '"';
    }
}
