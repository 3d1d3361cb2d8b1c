package org.replicator.coordinator.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The coordinator's PostgreSQL: a connection pool, the schema migrations, and transactions. Every
 * change of state goes through {@link #inTransaction}, so a crash at any point leaves either the
 * whole change or none of it.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final String description;
    private final EmbeddedPostgresServer embedded;

    private Database(HikariDataSource pool, String description, EmbeddedPostgresServer embedded) {
        this.pool = pool;
        this.description = description;
        this.embedded = embedded;
    }

    /** Connects (starting the embedded server first if that is the target); does not migrate. */
    public static Database open(DatabaseTarget target) {
        if (target instanceof DatabaseTarget.Embedded e) {
            return openEmbedded(e);
        }
        DatabaseTarget.External x = (DatabaseTarget.External) target;
        return connect(x.jdbcUrl(), x.user(), x.password(), x.describe(), null);
    }

    private static Database openEmbedded(DatabaseTarget.Embedded target) {
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(target.directory());
        try {
            return connect(server.jdbcUrl(), EmbeddedPostgresServer.USER, null, target.describe(), server);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static Database connect(String jdbcUrl, String user, String password, String description,
            EmbeddedPostgresServer embedded) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new DatabaseException("'" + jdbcUrl + "' is not a PostgreSQL JDBC URL; use the form "
                    + "jdbc:postgresql://HOST:PORT/DATABASE, or leave out --jdbc-url for the embedded database");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setDriverClassName("org.postgresql.Driver");
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName("replicator");
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(0);
        config.setAutoCommit(true);
        // Fail at once with the server's own reason rather than after the pool's retries.
        config.setConnectionTimeout(5_000);
        config.setInitializationFailTimeout(1);
        config.addDataSourceProperty("connectTimeout", "5");
        // After a server restart every pooled connection is dead. HikariCP evicts a connection that
        // failed with a connection-class SQLState, and checks one that sat idle before lending it
        // (isValid, bounded by the validation timeout), so the pool refills with fresh connections
        // as soon as the server accepts them again. The socket timeout and TCP keepalive turn a
        // server that vanished without closing its sockets into an error instead of a hung query.
        config.setValidationTimeout(2_000);
        config.setKeepaliveTime(60_000);
        config.addDataSourceProperty("socketTimeout", "120");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", "replicator");
        try {
            return new Database(new HikariDataSource(config), description, embedded);
        } catch (RuntimeException e) {
            throw new DatabaseException("cannot connect to PostgreSQL at " + description + ": " + rootMessage(e)
                    + "; check that the server is running and that the URL, --db-user and --db-password are right"
                    + " (without --jdbc-url the coordinator runs its own embedded PostgreSQL)", e);
        }
    }

    /** Brings the schema to the newest version; running it again on a current schema changes nothing. */
    public MigrationReport migrate() {
        try {
            MigrateResult result = Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            // Flyway leaves the target version empty when nothing ran; read what is applied instead.
            return new MigrationReport(Optional.ofNullable(result.initialSchemaVersion), schemaVersion().orElseThrow(),
                    result.migrationsExecuted);
        } catch (FlywayException e) {
            throw new DatabaseException("migrating the schema of " + description + " failed: " + e.getMessage()
                    + "; the failed migration was rolled back", e);
        }
    }

    /** The schema version now applied, empty on an empty database. */
    public Optional<String> schemaVersion() {
        var current = Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().info().current();
        return current == null ? Optional.empty() : Optional.of(current.getVersion().getVersion());
    }

    /**
     * Runs work in one transaction: committed if it returns, rolled back if it throws. SQL errors
     * come out as {@link ConstraintViolation} or {@link DatabaseException}; other exceptions as they were.
     */
    public <T> T inTransaction(TransactionWork<T> work) {
        try (Connection tx = pool.getConnection()) {
            tx.setAutoCommit(false);
            try {
                T result = work.run(tx);
                tx.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly(tx, e);
                throw e;
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    public String description() {
        return description;
    }

    /** Whether this database is the coordinator's own embedded server. */
    public boolean isEmbedded() {
        return embedded != null;
    }

    private static void rollbackQuietly(Connection tx, Throwable cause) {
        try {
            tx.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }

    private DatabaseException translate(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("23")) {
            String constraint = null;
            if (e instanceof PSQLException p) {
                ServerErrorMessage m = p.getServerErrorMessage();
                constraint = m == null ? null : m.getConstraint();
            }
            return new ConstraintViolation(e.getMessage(), constraint, e);
        }
        if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
            return new DatabaseException("lost the connection to PostgreSQL at " + description + ": " + e.getMessage()
                    + "; nothing of the interrupted change was kept, run the command again once the server is back", e);
        }
        return new DatabaseException("PostgreSQL at " + description + " failed: " + e.getMessage(), e);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }

    @Override
    public void close() {
        pool.close();
        if (embedded != null) {
            embedded.close();
        }
    }

    /** What a migration did: the version before (empty on an empty database), after, and how many ran. */
    public record MigrationReport(Optional<String> from, String to, int applied) {
    }
}
