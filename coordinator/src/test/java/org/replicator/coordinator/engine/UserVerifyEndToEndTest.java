package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.replicator.coordinator.engine.ReplicationWorld.scalar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.cli.CliRunner;
import org.replicator.coordinator.cli.ExitCodes;
import org.replicator.localnet.ids.Principal;

/**
 * {@code replicator user verify} checks a real backup canister with queries alone: no database
 * option is given and none is reachable, only the network and an identity the canister answers.
 */
class UserVerifyEndToEndTest extends WorldTest {

    @Test
    void aControllerVerifiesEveryChunkAndTheRootWithoutTheDatabase() throws Exception {
        Principal app = world.demoApp(2, 53);
        ok(cli("canister", "add", app.toString(), "--name", "demo"));
        String replica = createReplica("demo");
        ok(cli("replicate", "demo", "--full"));
        world.mutate(app, 2 * 1024 * 1024 / 100, 5);
        ok(cli("replicate", "demo"));
        List<Object> roots = new ArrayList<>();
        ReplicationWorld.rows(db, "SELECT encode(root, 'hex') FROM generations ORDER BY generation_id")
                .forEach(r -> roots.add(r.get(0)));

        Path noDataDir = Files.createTempDirectory("no-replicator-data");
        CliRunner.Result r = verify(noDataDir, replica, "--json");
        assertEquals(ExitCodes.OK, r.code(), r.out() + r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(scalar(db, "SELECT count(*) FROM generations WHERE deleted_at IS NULL"),
                (long) doc.get("generations").size(), "every generation the canister holds");
        for (JsonNode g : doc.get("generations")) {
            assertTrue(g.get("ok").asBoolean(), g.toString());
            assertEquals(g.get("listed_root").asText(), g.get("recomputed_root").asText());
            assertTrue(roots.contains(g.get("recomputed_root").asText()), "the root the coordinator sealed: " + g);
            assertTrue(g.get("bytes_read").asLong() >= 2L * 1024 * 1024, g.toString());
        }
        try (var files = Files.list(noDataDir)) {
            assertEquals(0, files.count(), "nothing was created where a database would live");
        }

        String latest = (String) scalar(db, "SELECT encode(root, 'hex') FROM generations ORDER BY generation_id DESC"
                + " LIMIT 1");
        CliRunner.Result expected = verify(noDataDir, replica, "--expect-root", latest.toUpperCase());
        assertEquals(ExitCodes.OK, expected.code(), expected.out() + expected.err());
        assertTrue(expected.out().contains("expected root " + latest + ": held by generation"), expected.out());

        CliRunner.Result elsewhere = verify(noDataDir, replica, "--expect-root", "ab".repeat(32));
        assertEquals(ExitCodes.FAILURE, elsewhere.code(), elsewhere.out() + elsewhere.err());
        assertTrue(elsewhere.out().contains("NOT held by any intact generation"), elsewhere.out());

        CliRunner.Result one = verify(noDataDir, replica, "--generation", "99");
        assertEquals(ExitCodes.FAILURE, one.code(), one.out() + one.err());
        assertTrue(one.err().contains("lists no generation 99"), one.err());

        CliRunner.Result badRoot = verify(noDataDir, replica, "--expect-root", "xyz");
        assertEquals(ExitCodes.USAGE, badRoot.code(), badRoot.err());
        assertTrue(badRoot.err().contains("--expect-root must be 64 hex digits"), badRoot.err());
        CliRunner.Result badId = verify(noDataDir, "not-a-principal");
        assertEquals(ExitCodes.USAGE, badId.code(), badId.err());
        assertTrue(badId.err().contains("BACKUP_CANISTER must be a principal"), badId.err());

        // someone the canister does not answer: neither a controller nor a listed coordinator
        CliRunner.Result stranger = CliRunner.run("user", "verify", replica, "--data-dir", noDataDir.toString(),
                "--network", world.url.toString(), "--identity", IdentitiesTest.fixture("secp256k1-pkcs8.pem").toString());
        assertTrue(stranger.code() != ExitCodes.OK && stranger.err().contains("NOT_ALLOWED"), stranger.out() + stranger.err());
    }

    private static CliRunner.Result verify(Path dataDir, String... args) {
        List<String> all = new ArrayList<>(List.of("user", "verify"));
        all.addAll(List.of(args));
        all.addAll(List.of("--data-dir", dataDir.toString(), "--network", world.url.toString(), "--identity",
                world.pem.toString()));
        return CliRunner.run(all.toArray(String[]::new));
    }

    private String createReplica(String canister) {
        String out = ok(cli("replica", "create", canister, "--json")).out();
        int at = out.indexOf("\"id\"");
        int start = out.indexOf('"', out.indexOf(':', at)) + 1;
        return out.substring(start, out.indexOf('"', start));
    }
}
