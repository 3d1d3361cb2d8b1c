package org.replicator.coordinator.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A PostgreSQL server whose cluster lives in a directory of the coordinator's data directory. The
 * cluster is created on first start and kept; the server is stopped on {@link #close()} (and by a
 * shutdown hook if the JVM exits first).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    static final String USER = "postgres";
    static final String DATABASE = "postgres";

    private final EmbeddedPostgres postgres;
    private final Path directory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
    }

    public static EmbeddedPostgresServer start(Path directory) {
        try {
            Files.createDirectories(directory);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            return new EmbeddedPostgresServer(postgres, directory);
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).contains("could not lock")) {
                throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                        + " is in use by another replicator process; stop it, or give this one another --data-dir", e);
            }
            throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                    + " did not start: " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                    + " did not start: " + e.getMessage()
                    + "; check that the directory is writable, or use --jdbc-url for an external server", e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new DatabaseException("the embedded PostgreSQL in " + directory + " did not stop cleanly", e);
        }
    }
}
