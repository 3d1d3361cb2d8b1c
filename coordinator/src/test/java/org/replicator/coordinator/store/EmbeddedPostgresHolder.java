package org.replicator.coordinator.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Runs in a child JVM for {@link EmbeddedPostgresRecoveryTest}: starts the embedded server in the
 * given directory, writes a row, says "ready", and waits to be killed.
 */
public final class EmbeddedPostgresHolder {
    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(Path.of(args[0]));
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), EmbeddedPostgresServer.USER, null);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS survivor (note text)");
            s.execute("INSERT INTO survivor VALUES ('written before SIGKILL')");
        }
        System.out.println("ready");
        System.out.flush();
        System.in.read();
    }
}
