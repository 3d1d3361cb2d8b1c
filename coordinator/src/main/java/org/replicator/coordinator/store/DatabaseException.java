package org.replicator.coordinator.store;

/**
 * The database could not be reached or used. The message names the database and says what to do;
 * the CLI maps it to its own exit code so that scripts can tell it from an IC failure.
 */
public class DatabaseException extends RuntimeException {
    public DatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    public DatabaseException(String message) {
        super(message);
    }
}
