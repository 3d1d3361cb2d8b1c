package org.replicator.localnet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The canister modules the localnet build compiles (std Rust to wasm32). */
public final class TestCanisters {
    private TestCanisters() {
    }

    /** The universal canister: runs the program it is given; see {@link Universal}. */
    public static byte[] universal() {
        return load("/canisters/universal_canister.wasm");
    }

    private static byte[] load(String resource) {
        try (InputStream in = TestCanisters.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing: the build compiles it with scripts/build-canister");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
