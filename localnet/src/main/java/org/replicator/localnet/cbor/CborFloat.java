package org.replicator.localnet.cbor;

/** A CBOR floating-point number; the IC forbids them, so they exist only to be rejected. */
public record CborFloat(double value) implements CborValue {
    @Override
    public String kind() {
        return "floating-point number";
    }
}
