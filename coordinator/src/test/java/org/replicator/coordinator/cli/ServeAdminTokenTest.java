package org.replicator.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `replicator serve --admin-token-file` that cannot be used stops serve before anything starts, saying why. */
class ServeAdminTokenTest {
    @Test
    void aMissingAdminTokenFileIsRefusedWithTheUsageCode(@TempDir Path dir) {
        CliEndToEndTest.Result r = CliEndToEndTest.run("serve", "--admin-token-file", dir.resolve("nope").toString(),
                "--data-dir", dir.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("--admin-token-file " + dir.resolve("nope") + " does not exist"), r.err());
    }

    @Test
    void anEmptyAdminTokenFileIsRefusedWithTheUsageCode(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "  \n");
        CliEndToEndTest.Result r = CliEndToEndTest.run("serve", "--admin-token-file", token.toString(),
                "--data-dir", dir.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("is empty"), r.err());
    }
}
