package org.replicator.coordinator.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PostgreSQL after its coordinator dies, and while another one uses it. */
class EmbeddedPostgresRecoveryTest {

    @Test
    void serverLeftRunningByAKilledCoordinatorIsStoppedAndItsDataKept(@TempDir Path dataDir) throws Exception {
        Path cluster = dataDir.resolve("postgres");
        Process holder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                EmbeddedPostgresHolder.class.getName(), cluster.toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), UTF_8))) {
            assertEquals("ready", out.readLine(), "the child coordinator started its server");
        }
        long orphan = Long.parseLong(Files.readAllLines(cluster.resolve("postmaster.pid")).get(0).trim());
        holder.destroyForcibly();
        assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        assertTrue(ProcessHandle.of(orphan).isPresent(), "SIGKILL of the coordinator leaves its PostgreSQL running");

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(cluster);
                Connection c = DriverManager.getConnection(server.jdbcUrl(), EmbeddedPostgresServer.USER, null);
                Statement s = c.createStatement();
                ResultSet rows = s.executeQuery("SELECT note FROM survivor")) {
            assertTrue(rows.next());
            assertEquals("written before SIGKILL", rows.getString(1));
            assertTrue(ProcessHandle.of(orphan).isEmpty(), "the orphaned server was shut down");
        }
    }

    @Test
    void clusterInUseByALiveCoordinatorIsRefusedWithAClearMessage(@TempDir Path dataDir) {
        Path cluster = dataDir.resolve("postgres");
        try (EmbeddedPostgresServer first = EmbeddedPostgresServer.start(cluster)) {
            DatabaseException e = assertThrows(DatabaseException.class, () -> EmbeddedPostgresServer.start(cluster));
            assertTrue(e.getMessage().contains("in use by another replicator process"), e.getMessage());
        }
    }
}
