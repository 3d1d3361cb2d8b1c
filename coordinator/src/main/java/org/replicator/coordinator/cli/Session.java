package org.replicator.coordinator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.LoadedIdentity;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.store.Database;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.store.DatabaseTarget;

/**
 * What one command invocation uses, opened only when asked for and closed at its end: the database
 * (starting the embedded server if that is the target) and the IC gateway.
 */
final class Session implements AutoCloseable {
    static final String POSTGRES_DIR = "postgres";
    private static final Duration IC_TIMEOUT = Duration.ofSeconds(60);

    private final Replicator options;
    private final PrintWriter err;
    private Database database;
    private IcGateway gateway;
    private LoadedIdentity identity;

    Session(Replicator options, PrintWriter err) {
        this.options = options;
        this.err = err;
    }

    Path dataDir() {
        return options.dataDirOrDefault().toAbsolutePath();
    }

    DatabaseTarget databaseTarget() {
        if (options.jdbcUrl != null) {
            return new DatabaseTarget.External(options.jdbcUrl, options.dbUser, options.dbPasswordOrEnvironment());
        }
        return new DatabaseTarget.Embedded(dataDir().resolve(POSTGRES_DIR));
    }

    /** The database with its schema current; for the embedded one, the data directory must exist (init). */
    Database database() {
        if (database == null) {
            if (options.jdbcUrl == null && !Files.isDirectory(dataDir())) {
                throw new DatabaseException("no data directory at " + dataDir() + "; run `replicator init` first"
                        + " (or pass --data-dir or --jdbc-url)");
            }
            database = Database.open(databaseTarget());
            database.migrate();
        }
        return database;
    }

    /** Creates the data directory, then opens and migrates the database; reports what it did. */
    Database.MigrationReport initialise() {
        try {
            Files.createDirectories(dataDir());
        } catch (IOException e) {
            throw new DatabaseException("cannot create the data directory " + dataDir() + ": " + e.getMessage(), e);
        }
        database = Database.open(databaseTarget());
        return database.migrate();
    }

    synchronized LoadedIdentity identity() {
        if (identity == null) {
            identity = options.identity == null ? Identities.anonymous() : Identities.fromPemFile(options.identity);
        }
        return identity;
    }

    Network network() {
        return Network.parse(options.network);
    }

    /** Synchronized: under `replicator serve` the scheduler's threads ask for it as jobs fire. */
    synchronized IcGateway gateway() {
        if (gateway == null) {
            Network network = network();
            network.trustWarning().ifPresent(err::println);
            gateway = IcGateway.connect(network, identity(), IC_TIMEOUT);
        }
        return gateway;
    }

    boolean json() {
        return options.json;
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        if (database != null) {
            database.close();
        }
    }
}
