package org.replicator.coordinator.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for a test class, handing out an empty database to each test so that
 * tests neither share rows nor pay for a server start each.
 */
public final class PostgresForTests implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final Path directory;
    private final EmbeddedPostgresServer server;

    private PostgresForTests(Path directory, EmbeddedPostgresServer server) {
        this.directory = directory;
        this.server = server;
    }

    public static PostgresForTests start() {
        try {
            Path dir = Files.createTempDirectory("replicator-pg-");
            return new PostgresForTests(dir, EmbeddedPostgresServer.start(dir.resolve("postgres")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty database on the shared server. */
    public DatabaseTarget.External freshDatabase() {
        String name = "test_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), EmbeddedPostgresServer.USER, null);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new DatabaseTarget.External(urlOf(name), EmbeddedPostgresServer.USER, null);
    }

    /** A migrated database, ready for repositories. */
    public Database freshMigratedDatabase() {
        Database db = Database.open(freshDatabase());
        db.migrate();
        return db;
    }

    private String urlOf(String database) {
        String url = server.jdbcUrl();
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        server.close();
    }
}
