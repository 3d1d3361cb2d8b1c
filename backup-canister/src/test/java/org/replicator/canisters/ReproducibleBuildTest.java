package org.replicator.canisters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproducibleBuildTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void buildingTheSourcesInAnotherDirectoryGivesTheSameBytes(@TempDir Path elsewhere) throws Exception {
        Path rust = elsewhere.resolve("copy/src/main/rust");
        copyTree(MODULE.resolve("src/main/rust"), rust);
        for (String name : new String[] {CanisterWasm.BACKUP_CANISTER, CanisterWasm.DEMO_APP}) {
            Path out = elsewhere.resolve(name + ".wasm");
            build(rust.resolve(name).resolve(name + ".rs"), out, name);
            CanisterWasm built = CanisterWasm.load(name);
            assertArrayEquals(built.bytes(), Files.readAllBytes(out), name + " differs when built elsewhere");
            assertEquals(built.sha256Hex(), Files.readString(elsewhere.resolve(name + ".wasm.sha256")).trim());
        }
    }

    @Test
    void loadingChecksTheRecordedHash() {
        CanisterWasm demo = CanisterWasm.demoApp();
        assertArrayEquals(CanisterWasm.sha256(demo.bytes()), demo.sha256());
        assertEquals(64, demo.sha256Hex().length());
    }

    private static void build(Path root, Path out, String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(MODULE.resolve("src/build/build-wasm").toString(), root.toString(), out.toString(), name)
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("build of " + name + " failed:\n" + log);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
