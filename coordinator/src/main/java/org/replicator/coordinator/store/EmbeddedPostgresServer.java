package org.replicator.coordinator.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A PostgreSQL server whose cluster lives in a directory of the coordinator's data directory. The
 * cluster is created on first start and kept; the server is stopped on {@link #close()} (and by a
 * shutdown hook if the JVM exits first).
 *
 * <p>A coordinator killed with SIGKILL leaves its PostgreSQL running. The coordinator holds an OS
 * file lock beside the cluster for as long as it lives; the OS drops that lock when the process
 * dies, however it dies. So a server found running while the lock is free belongs to a dead
 * coordinator and is shut down before a new one starts, while a held lock means a live
 * coordinator is using the cluster.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    static final String USER = "postgres";
    static final String DATABASE = "postgres";

    private static final Duration ORPHAN_SHUTDOWN_WAIT = Duration.ofSeconds(60);

    private final EmbeddedPostgres postgres;
    private final Path directory;
    private final FileChannel lockChannel;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path directory, FileChannel lockChannel) {
        this.postgres = postgres;
        this.directory = directory;
        this.lockChannel = lockChannel;
    }

    public static EmbeddedPostgresServer start(Path directory) {
        return start(directory, 0);
    }

    /**
     * As {@link #start(Path)}, listening on {@code port} (0: a free one). A server started again on
     * its port keeps the JDBC URL that connection pools already hold valid.
     */
    public static EmbeddedPostgresServer start(Path directory, int port) {
        FileChannel lockChannel = null;
        try {
            Files.createDirectories(directory);
            lockChannel = lockOwnership(directory);
            stopOrphanedServer(directory);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setPort(port)
                    .start();
            return new EmbeddedPostgresServer(postgres, directory, lockChannel);
        } catch (DatabaseException e) {
            closeQuietly(lockChannel);
            throw e;
        } catch (IllegalStateException e) {
            closeQuietly(lockChannel);
            if (String.valueOf(e.getMessage()).contains("could not lock")) {
                throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                        + " is in use by another replicator process; stop it, or give this one another --data-dir", e);
            }
            throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                    + " did not start: " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            closeQuietly(lockChannel);
            throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                    + " did not start: " + e.getMessage()
                    + "; check that the directory is writable, or use --jdbc-url for an external server", e);
        }
    }

    /** Takes the lock that marks the cluster as used by this process; refuses if another process holds it. */
    private static FileChannel lockOwnership(Path directory) throws IOException {
        Path lockFile = directory.resolveSibling(directory.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new DatabaseException("the embedded PostgreSQL in " + directory.toAbsolutePath()
                    + " is in use by another replicator process; stop it, or give this one another --data-dir");
        }
        return channel;
    }

    /**
     * Shuts down a server left running by a coordinator that died without stopping it. SIGTERM is
     * PostgreSQL's smart shutdown, which waits for open sessions; the dead coordinator's sessions
     * are already gone with its sockets.
     */
    private static void stopOrphanedServer(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return; // not a pid file PostgreSQL wrote; PostgreSQL itself will judge it
        }
        Optional<ProcessHandle> server = ProcessHandle.of(pid)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
        if (server.isEmpty()) {
            return; // a stale pid file, which PostgreSQL removes on start
        }
        server.get().destroy();
        try {
            server.get().onExit().get(ORPHAN_SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseException("interrupted while stopping the PostgreSQL left running in " + directory, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new DatabaseException("the PostgreSQL left running in " + directory.toAbsolutePath() + " (pid " + pid
                    + ") by a coordinator that died did not stop within " + ORPHAN_SHUTDOWN_WAIT.toSeconds()
                    + " s; stop it by hand (kill " + pid + ") and try again", e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    public int port() {
        return postgres.getPort();
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
        } finally {
            closeQuietly(lockChannel);
        }
    }
}
