package org.replicator.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/cli.md states the exit codes and commands the code has. */
class CliDocumentationTest {

    @Test
    void everyExitCodeIsDocumentedWithItsNumber() throws IOException {
        String doc = Files.readString(Path.of("../docs/cli.md"));
        Map<Integer, String> codes = Map.of(ExitCodes.OK, "ok", ExitCodes.FAILURE, "failure", ExitCodes.USAGE, "usage",
                ExitCodes.IC, "IC", ExitCodes.DATABASE, "database");
        codes.forEach((code, word) -> assertTrue(doc.matches("(?s).*\\| " + code + " \\| [^|\\n]*" + word + ".*"),
                "docs/cli.md documents exit code " + code + " (" + word + ")"));
    }

    @Test
    void everyCommandIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("../docs/cli.md"));
        for (String command : new String[] {"replicator init", "replicator canister add", "replicator canister list",
                "replicator canister remove", "replicator replica create", "replicator replica top-up",
                "replicator replicate", "replicator restore", "replicator costs", "replicator localnet"}) {
            assertTrue(doc.contains("### `" + command), "docs/cli.md has a section for " + command);
        }
    }
}
