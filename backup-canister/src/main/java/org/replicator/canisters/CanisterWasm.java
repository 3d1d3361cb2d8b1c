package org.replicator.canisters;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A canister module built by this module's Maven build, with the SHA-256 the build recorded. The
 * hash is what the IC reports as the installed module hash, so callers can tell which build a
 * canister runs; loading checks that the bytes still match it.
 */
public record CanisterWasm(String name, byte[] bytes, String sha256Hex) {
    public static final String BACKUP_CANISTER = "backup_canister";
    public static final String DEMO_APP = "demo_app";

    public static CanisterWasm backupCanister() {
        return load(BACKUP_CANISTER);
    }

    public static CanisterWasm demoApp() {
        return load(DEMO_APP);
    }

    /** Loads {@code /canisters/<name>.wasm} and its recorded hash from the classpath. */
    public static CanisterWasm load(String name) {
        byte[] wasm = resource("/canisters/" + name + ".wasm");
        String recorded = new String(resource("/canisters/" + name + ".wasm.sha256"), StandardCharsets.US_ASCII).trim();
        String actual = HexFormat.of().formatHex(sha256(wasm));
        if (!actual.equals(recorded)) {
            throw new IllegalStateException("canister " + name + " has SHA-256 " + actual + " but the build recorded " + recorded);
        }
        return new CanisterWasm(name, wasm, recorded);
    }

    public byte[] sha256() {
        return HexFormat.of().parseHex(sha256Hex);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = CanisterWasm.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the classpath: the backup-canister build compiles it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
