package org.replicator.localnet.cbor;

/**
 * A decoded CBOR data item. The IC interface uses only a small part of CBOR (unsigned integers,
 * byte and text strings, arrays, text-keyed maps and the self-describe tag), so the model is kept
 * to what requests, responses and certificates need.
 */
public sealed interface CborValue permits CborInt, CborBytes, CborText, CborArray, CborMap, CborTag,
        CborSimple, CborFloat {

    /** A short description of the item's kind, for error messages. */
    String kind();
}
