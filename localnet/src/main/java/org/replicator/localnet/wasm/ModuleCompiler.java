package org.replicator.localnet.wasm;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.replicator.localnet.cycles.ResourceLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns uploaded bytes into a {@link CanisterModule}: gunzips, validates, instruments and
 * AOT-compiles, once per module hash. Compiled classes can be kept in a directory so a
 * restarted localnet does not compile again.
 */
public final class ModuleCompiler {
    private static final Logger LOG = LoggerFactory.getLogger(ModuleCompiler.class);
    /** The IC's limit on a wasm module. */
    public static final int MAX_MODULE_BYTES = 100 << 20;
    private static final int CACHED_MODULES = 64;

    private final ExecutionEngine engine;
    private final Cache diskCache;
    private final Map<String, CanisterModule> loaded = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CanisterModule> eldest) {
            return size() > CACHED_MODULES;
        }
    };

    /** @param cacheDirectory where compiled modules are kept across restarts; null for none */
    public ModuleCompiler(ExecutionEngine engine, Path cacheDirectory) {
        this.engine = engine;
        this.diskCache = cacheDirectory == null ? null : new DirectoryCache(cacheDirectory);
    }

    public ExecutionEngine engine() {
        return engine;
    }

    public CanisterModule load(byte[] uploaded, HostInterface host) throws InvalidModuleException {
        byte[] sha256 = sha256(uploaded);
        String key = HexFormat.of().formatHex(sha256);
        synchronized (loaded) {
            CanisterModule cached = loaded.get(key);
            if (cached != null) {
                return cached;
            }
        }
        byte[] wasm = decompress(uploaded);
        WasmModule parsed;
        try {
            parsed = Parser.parse(wasm);
        } catch (ChicoryException | IllegalArgumentException e) {
            throw new InvalidModuleException("the module is not valid WebAssembly: " + e.getMessage(), e);
        }
        ModuleValidator.Exports exports = ModuleValidator.validate(wasm, parsed, host);
        MeteringInstrumenter.Instrumented instrumented =
                MeteringInstrumenter.instrument(wasm, parsed, ResourceLimits.INSTALL_INSTRUCTIONS);
        WasmModule module;
        try {
            module = Parser.parse(instrumented.wasm());
        } catch (ChicoryException e) {
            throw new IllegalStateException("instrumenting module " + key + " produced an invalid module", e);
        }
        Function<Instance, Machine> machine = null;
        if (engine == ExecutionEngine.AOT) {
            long start = System.nanoTime();
            MachineFactoryCompiler.Builder builder = MachineFactoryCompiler.builder(module)
                    .withInterpreterFallback(InterpreterFallback.SILENT);
            if (diskCache != null) {
                builder.withCache(diskCache);
            }
            machine = builder.compile();
            LOG.debug("compiled module {} ({} bytes) in {} ms", key, wasm.length, (System.nanoTime() - start) / 1_000_000);
        }
        CanisterModule result = new CanisterModule(sha256, uploaded.length, module, machine,
                instrumented.meterGlobalIndex(), exports);
        synchronized (loaded) {
            loaded.put(key, result);
        }
        return result;
    }

    private static byte[] decompress(byte[] uploaded) throws InvalidModuleException {
        if (uploaded.length > MAX_MODULE_BYTES) {
            throw new InvalidModuleException("the module has " + uploaded.length + " bytes; at most "
                    + MAX_MODULE_BYTES + " are allowed");
        }
        if (uploaded.length >= 3 && (uploaded[0] & 0xff) == 0x1f && (uploaded[1] & 0xff) == 0x8b
                && (uploaded[2] & 0xff) == 0x08) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(uploaded))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[65536];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    if (out.size() > MAX_MODULE_BYTES) {
                        throw new InvalidModuleException("the gzipped module expands beyond " + MAX_MODULE_BYTES + " bytes");
                    }
                }
                return out.toByteArray();
            } catch (IOException e) {
                throw new InvalidModuleException("the module looks gzipped but cannot be decompressed: " + e.getMessage(), e);
            }
        }
        if (uploaded.length < 8 || uploaded[0] != 0 || uploaded[1] != 'a' || uploaded[2] != 's' || uploaded[3] != 'm') {
            throw new InvalidModuleException("the module is neither WebAssembly (\\0asm) nor gzip");
        }
        return uploaded;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Chicory's compile cache in a directory, one file per module digest. */
    private static final class DirectoryCache implements Cache {
        private final Path dir;

        DirectoryCache(Path dir) {
            this.dir = dir;
        }

        private Path file(String key) {
            return dir.resolve(key.replaceAll("[^A-Za-z0-9._-]", "_") + ".jar");
        }

        @Override
        public byte[] get(String key) throws IOException {
            Path f = file(key);
            return Files.exists(f) ? Files.readAllBytes(f) : null;
        }

        @Override
        public void putIfAbsent(String key, byte[] data) throws IOException {
            Path f = file(key);
            if (Files.exists(f)) {
                return;
            }
            try {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, "module", ".tmp");
                Files.write(tmp, data);
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot cache compiled module in " + dir, e);
            }
        }
    }
}
