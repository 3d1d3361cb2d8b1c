package org.replicator.localnet.cbor;

/** A tagged CBOR item other than the self-describe tag, which the reader drops. */
public record CborTag(long tag, CborValue content) implements CborValue {
    @Override
    public String kind() {
        return "tag " + tag;
    }
}
