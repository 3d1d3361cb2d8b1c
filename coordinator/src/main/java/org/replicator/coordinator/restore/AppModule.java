package org.replicator.coordinator.restore;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExportSection;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.replicator.coordinator.store.Digest;

/**
 * The wasm module a new restore target is given. It is read before any canister is created, so a
 * module that cannot take a restore (no restore endpoints) is refused without spending cycles.
 */
public record AppModule(byte[] wasm, Digest sha256) {
    /** What a restore target must export: the library's restore endpoints, and begin to check the result. */
    static final List<String> REQUIRED_EXPORTS = List.of("canister_update restore_begin", "canister_update restore_write",
            "canister_update restore_commit", "canister_update restore_abort", "canister_update replication_begin",
            "canister_update replication_end");

    public static AppModule of(byte[] wasm) {
        try {
            return new AppModule(wasm, Digest.of(MessageDigest.getInstance("SHA-256").digest(wasm)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The required exports the module lacks; refused outright if it is not a wasm module at all. */
    List<String> missingRestoreEndpoints() {
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (RuntimeException e) {
            throw new RestoreRefused("the file given with --wasm is not a WebAssembly module: " + e.getMessage());
        }
        Set<String> exported = new HashSet<>();
        ExportSection exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            exported.add(exports.getExport(i).name());
        }
        List<String> missing = new ArrayList<>();
        for (String name : REQUIRED_EXPORTS) {
            if (!exported.contains(name)) {
                missing.add(name.substring(name.indexOf(' ') + 1));
            }
        }
        return missing;
    }
}
