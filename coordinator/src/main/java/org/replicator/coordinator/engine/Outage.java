package org.replicator.coordinator.engine;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import org.ic4j.agent.AgentError;
import org.replicator.coordinator.agent.IcException;
import org.replicator.coordinator.agent.IcProtocolException;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.IcUnreachableException;
import org.replicator.coordinator.protocol.NotSpeakingProtocol;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.StaleStateException;

/**
 * What a failure says about the world: either something the engine may wait out (the network or
 * the database is away for a while) or nothing at all, in which case the failure is final. Only
 * failures after which repeating the same step is safe and may succeed count as an outage.
 */
public enum Outage {
    /** The IC cannot be reached, timed out, answered 5xx, or rejected a call as SYS_TRANSIENT. */
    NETWORK("network unreachable"),
    /** PostgreSQL cannot be reached, was shut down, or is still starting. */
    DATABASE("database unreachable");

    private final String description;

    Outage(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The outage a failure shows, or empty if the failure is final. */
    public static Optional<Outage> of(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            // a canister's own answer, a state conflict or a broken constraint does not change by waiting
            if (t instanceof NotSpeakingProtocol || t instanceof StaleStateException || t instanceof ConstraintViolation) {
                return Optional.empty();
            }
            if (t instanceof IcUnreachableException) {
                return Optional.of(NETWORK);
            }
            if (t instanceof IcRejectedException r) {
                return r.rejectCode() == 2 ? Optional.of(NETWORK) : Optional.empty();
            }
            if (t instanceof IcException && !(t instanceof IcProtocolException)) {
                // unknown canister, not a controller: the IC answered, and will answer the same again
                return Optional.empty();
            }
            if (t instanceof TimeoutException || t instanceof HttpTimeoutException || t instanceof ConnectException) {
                return Optional.of(NETWORK);
            }
            if (t instanceof AgentError a && isTransportFailure(a)) {
                return Optional.of(NETWORK);
            }
            if (t instanceof SQLTransientConnectionException) {
                // HikariCP found no connection within its connection timeout
                return Optional.of(DATABASE);
            }
            if (t instanceof SQLException s && isConnectionLoss(s.getSQLState())) {
                return Optional.of(DATABASE);
            }
        }
        return Optional.empty();
    }

    /**
     * What the failure says went wrong, for the line that reports an outage: the database's own
     * words (the coordinator's advice to run the command again does not apply while it waits).
     */
    public static String reason(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException s && s.getMessage() != null) {
                return s.getMessage();
            }
        }
        return String.valueOf(failure.getMessage());
    }

    private static boolean isTransportFailure(AgentError error) {
        return switch (error.getCode()) {
            case HTTP_ERROR, TRANSPORT_ERROR, TIMEOUT_WAITING_FOR_RESPONSE -> true;
            default -> false;
        };
    }

    /**
     * SQLState class 08 (connection exception) and 57P01..57P03 (admin shutdown, crash shutdown,
     * cannot connect now): the server went away or is not accepting connections yet.
     */
    static boolean isConnectionLoss(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01") || sqlState.equals("57P02")
                || sqlState.equals("57P03"));
    }
}
