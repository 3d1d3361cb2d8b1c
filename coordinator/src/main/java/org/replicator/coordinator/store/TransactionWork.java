package org.replicator.coordinator.store;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done inside one database transaction; repositories take the connection it is given. */
@FunctionalInterface
public interface TransactionWork<T> {
    T run(Connection tx) throws SQLException;
}
