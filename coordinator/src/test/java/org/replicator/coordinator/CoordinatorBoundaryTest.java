package org.replicator.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The coordinator reaches the IC only over HTTP through ic4j: no class may use the localnet module
 * but the one that runs `replicator localnet` and the demo, which plays the network and the app's
 * developer around the command line.
 */
class CoordinatorBoundaryTest {

    @Test
    void onlyTheLocalnetCommandUsesTheLocalnetModule() throws IOException {
        Path sources = Path.of("src/main/java");
        List<String> users;
        try (Stream<Path> files = Files.walk(sources)) {
            users = files.filter(p -> p.toString().endsWith(".java")).filter(CoordinatorBoundaryTest::mentionsLocalnet)
                    .map(p -> sources.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
        assertEquals(List.of("org/replicator/coordinator/cli/LocalnetCommand.java",
                "org/replicator/coordinator/demo/ReplicationDemo.java"), users);
    }

    private static boolean mentionsLocalnet(Path file) {
        try {
            return Files.readString(file).contains("org.replicator.localnet");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
