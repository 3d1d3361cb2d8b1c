package org.replicator.coordinator.replica;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.replicator.coordinator.store.Digest;

/**
 * The backup canister's wasm as the backup-canister module's build puts it on the classpath
 * ({@code canisters/backup_canister.wasm} with its recorded {@code .sha256}). Read by resource name,
 * so the coordinator builds without that module and says clearly when the module is missing.
 */
public record BackupCanisterModule(byte[] wasm, Digest sha256) {
    static final String RESOURCE = "canisters/backup_canister.wasm";

    public static BackupCanisterModule load() {
        byte[] wasm = resource(RESOURCE);
        Digest recorded = new Digest(new String(resource(RESOURCE + ".sha256"), StandardCharsets.US_ASCII).trim());
        Digest actual = Digest.of(sha256(wasm));
        if (!actual.equals(recorded)) {
            throw new IllegalStateException(RESOURCE + " has SHA-256 " + actual + " but its build recorded " + recorded);
        }
        return new BackupCanisterModule(wasm, recorded);
    }

    private static byte[] resource(String name) {
        try (InputStream in = BackupCanisterModule.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the backup canister module (" + name + ") is not on the classpath;"
                        + " build the backup-canister module (mvn -pl backup-canister package) and run the coordinator"
                        + " with it");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
