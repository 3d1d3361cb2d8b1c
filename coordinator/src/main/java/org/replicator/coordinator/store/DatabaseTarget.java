package org.replicator.coordinator.store;

import java.nio.file.Path;
import java.util.Objects;

/** Where the coordinator keeps its state: a PostgreSQL server it runs itself, or one it is given. */
public sealed interface DatabaseTarget {

    /** How the target is named in messages: never with a password. */
    String describe();

    /** A PostgreSQL server started from (and stopped with) the coordinator, its files in {@code directory}. */
    record Embedded(Path directory) implements DatabaseTarget {
        public Embedded {
            Objects.requireNonNull(directory, "directory");
        }

        @Override
        public String describe() {
            return "embedded PostgreSQL in " + directory.toAbsolutePath();
        }
    }

    /** An existing PostgreSQL server, reached by JDBC. */
    record External(String jdbcUrl, String user, String password) implements DatabaseTarget {
        public External {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        }

        @Override
        public String describe() {
            return jdbcUrl;
        }
    }
}
