package org.replicator.coordinator.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server of a test's own, stopped and started again on the same port and data
 * directory, so that a coordinator's connection pool (which holds the JDBC URL) sees the very
 * server go away and come back. Stopping is zonky's {@code pg_ctl stop -m fast}: PostgreSQL ends
 * every session with SQLState 57P01 and refuses connections until it is started again.
 */
public final class RestartablePostgres implements AutoCloseable {
    private final Path directory;
    private final int port;
    private EmbeddedPostgresServer server;

    private RestartablePostgres(Path directory, int port, EmbeddedPostgresServer server) {
        this.directory = directory;
        this.port = port;
        this.server = server;
    }

    public static RestartablePostgres start() {
        try {
            Path dir = Files.createTempDirectory("replicator-pg-restart-").resolve("postgres");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            return new RestartablePostgres(dir, port, EmbeddedPostgresServer.start(dir, port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty database on this server. */
    public DatabaseTarget.External createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), EmbeddedPostgresServer.USER, null);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new DatabaseTarget.External("jdbc:postgresql://localhost:" + port + "/" + name,
                EmbeddedPostgresServer.USER, null);
    }

    /** Fast shutdown: open sessions are terminated, the data stays. */
    public void stop() {
        server.close();
        server = null;
    }

    /** Starts the server again on the same port over the same data directory. */
    public void startAgain() {
        server = EmbeddedPostgresServer.start(directory, port);
        if (server.port() != port) {
            throw new IllegalStateException("PostgreSQL came back on port " + server.port() + ", not " + port);
        }
    }

    public boolean running() {
        return server != null;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
