package org.replicator.coordinator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.ic4j.agent.AgentError;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.replicator.coordinator.agent.IcGateway;
import org.replicator.coordinator.agent.IcProtocolException;
import org.replicator.coordinator.agent.IcRejectedException;
import org.replicator.coordinator.agent.IcUnreachableException;
import org.replicator.coordinator.agent.Identities;
import org.replicator.coordinator.agent.IdentitiesTest;
import org.replicator.coordinator.agent.Network;
import org.replicator.coordinator.agent.NotAControllerException;
import org.replicator.coordinator.agent.UnknownCanisterException;
import org.replicator.coordinator.engine.OutageWatch.OutageOutlasted;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.NotSpeakingProtocol;
import org.replicator.coordinator.store.ConstraintViolation;
import org.replicator.coordinator.store.DatabaseException;
import org.replicator.coordinator.store.StaleStateException;

/** Which failures the engine waits out, and how it waits. */
class OutageTest {
    private static final PrincipalId CANISTER = new PrincipalId("aaaaa-aa");
    private static final URI URL = URI.create("http://127.0.0.1:1");

    @Test
    void anUnreachableNetworkATimeoutAndASysTransientRejectAreNetworkOutages() {
        assertEquals(Optional.of(Outage.NETWORK), Outage.of(new IcUnreachableException(URL, "connection refused",
                new java.net.ConnectException())));
        assertEquals(Optional.of(Outage.NETWORK), Outage.of(new IcRejectedException("update sync", 2, "queue full", null)));
        assertEquals(Optional.of(Outage.NETWORK), Outage.of(new IcProtocolException("query status got no answer in time",
                new TimeoutException())));
        assertEquals(Optional.of(Outage.NETWORK), Outage.of(new IcProtocolException("update sync got no result in time",
                AgentError.create(AgentError.AgentErrorCode.TIMEOUT_WAITING_FOR_RESPONSE))));
    }

    @Test
    void theIcsDefiniteAnswersAreFinal() {
        assertEquals(Optional.empty(), Outage.of(new IcRejectedException("update sync", 5, "trapped", null)));
        assertEquals(Optional.empty(), Outage.of(new IcRejectedException("update sync", 4, "rejected", null)));
        assertEquals(Optional.empty(), Outage.of(new NotAControllerException(CANISTER, CANISTER, "only controllers",
                new IcUnreachableException(URL, "never mind", null))));
        assertEquals(Optional.empty(), Outage.of(new UnknownCanisterException(CANISTER, URL, "not found")));
        assertEquals(Optional.empty(), Outage.of(new IcProtocolException("the certificate does not verify",
                AgentError.create(AgentError.AgentErrorCode.CERTIFICATE_VERIFICATION_FAILED))));
        assertEquals(Optional.empty(), Outage.of(new NotSpeakingProtocol(CANISTER, "an app", "it has no method status",
                new IcRejectedException("query status", 2, "wrapped", null))));
    }

    @Test
    void aLostConnectionAShutdownAndAnExhaustedPoolAreDatabaseOutages() {
        assertEquals(Optional.of(Outage.DATABASE), Outage.of(new DatabaseException("lost the connection",
                new PSQLException("An I/O error occurred while sending to the backend", PSQLState.CONNECTION_FAILURE))));
        assertEquals(Optional.of(Outage.DATABASE), Outage.of(new DatabaseException("refused",
                new PSQLException("Connection refused", PSQLState.CONNECTION_UNABLE_TO_CONNECT))));
        for (String state : List.of("57P01", "57P02", "57P03")) {
            assertEquals(Optional.of(Outage.DATABASE), Outage.of(new DatabaseException("failed",
                    new SQLException("terminating connection", state))), state);
        }
        // HikariCP's "Connection is not available, request timed out", before any driver error was seen
        assertEquals(Optional.of(Outage.DATABASE), Outage.of(new DatabaseException("failed",
                new SQLTransientConnectionException("replicator - Connection is not available", (String) null))));
    }

    @Test
    void aDatabaseOutageIsReportedInTheDatabasesOwnWords() {
        assertEquals("FATAL: terminating connection due to administrator command", Outage.reason(new DatabaseException(
                "lost the connection to PostgreSQL at x: ...; run the command again once the server is back",
                new SQLException("FATAL: terminating connection due to administrator command", "57P01"))));
        assertEquals("the IC network at " + URL + " is unreachable (connection refused); check --network and that the"
                + " replica is running", Outage.reason(new IcUnreachableException(URL, "connection refused", null)));
    }

    @Test
    void sqlErrorsAboutTheDataAndStateConflictsAreFinal() {
        assertEquals(Optional.empty(), Outage.of(new ConstraintViolation("duplicate key", "runs_one_open_per_canister",
                new SQLException("duplicate key", "23505"))));
        assertEquals(Optional.empty(), Outage.of(new DatabaseException("failed",
                new SQLException("relation \"runs\" does not exist", "42P01"))));
        assertEquals(Optional.empty(), Outage.of(new StaleStateException("run 1 is not planned")));
        assertEquals(Optional.empty(), Outage.of(new IllegalStateException("a bug")));
    }

    @Test
    void aGatewayAnswering503IsAnUnreachableNetwork() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "Service Unavailable: restarting".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            Network network = Network.parse("http://127.0.0.1:" + server.getAddress().getPort());
            IcUnreachableException e = assertThrows(IcUnreachableException.class, () -> IcGateway.connect(network,
                    Identities.fromPemFile(IdentitiesTest.fixture("ed25519-dfx.pem")), Duration.ofSeconds(10)));
            assertTrue(e.getMessage().contains("HTTP 503: Service Unavailable: restarting"), e.getMessage());
            assertEquals(Optional.of(Outage.NETWORK), Outage.of(e));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anOutageIsReportedOnceWhenItBeginsAndOnceWhenItEnds() {
        MovingClock clock = new MovingClock();
        List<String> reports = new ArrayList<>();
        OutageWatch watch = new OutageWatch(settings(Duration.ofMinutes(10)), recording(reports), clock, () -> false);
        RuntimeException down = new DatabaseException("lost the connection",
                new SQLException("terminating connection due to administrator command", "57P01"));
        for (int i = 0; i < 5; i++) {
            watch.failed(Outage.DATABASE, down);
            clock.advance(Duration.ofSeconds(30));
        }
        watch.succeeded(Outage.DATABASE);
        watch.succeeded(Outage.DATABASE);
        assertEquals(List.of("database unreachable until " + clock.start.plus(Duration.ofMinutes(10)),
                "database recovered after 150 s"), reports);
    }

    @Test
    void anOutageLongerThanTheWindowEndsTheWaitWithTheLastFailure() {
        MovingClock clock = new MovingClock();
        List<String> reports = new ArrayList<>();
        OutageWatch watch = new OutageWatch(settings(Duration.ofSeconds(60)), recording(reports), clock, () -> false);
        RuntimeException down = new IcUnreachableException(URL, "connection refused", null);
        watch.failed(Outage.NETWORK, down);
        clock.advance(Duration.ofSeconds(59));
        watch.failed(Outage.NETWORK, down);
        clock.advance(Duration.ofSeconds(1));
        OutageOutlasted o = assertThrows(OutageOutlasted.class, () -> watch.failed(Outage.NETWORK, down));
        assertSame(down, o.failure());
        assertTrue(o.getMessage().startsWith("network unreachable for 60 s, longer than the outage window of 60 s"),
                o.getMessage());
        assertEquals(1, reports.size(), "reported once, when the outage began");
    }

    @Test
    void aStoppedEngineStopsWaiting() {
        OutageWatch watch = new OutageWatch(settings(Duration.ofMinutes(10)), RunProgress.SILENT, new MovingClock(),
                () -> true);
        assertThrows(OutageOutlasted.class, () -> watch.failed(Outage.NETWORK,
                new IcUnreachableException(URL, "connection refused", null)));
    }

    @Test
    void backoffDoublesUpToItsCapAndNeverOversleepsTheWindow() {
        // first 1 ms, cap 4 ms: 1, 2, 4, 4 ... observed as real pauses of at least that long
        EngineSettings s = new EngineSettings(Duration.ofMillis(200), Duration.ofMinutes(30), 5, Duration.ofMillis(1),
                60, 4, Duration.ofMinutes(1), Duration.ofMillis(4), java.util.Optional.empty());
        OutageWatch watch = new OutageWatch(s, RunProgress.SILENT, Clock.systemUTC(), () -> false);
        RuntimeException down = new IcUnreachableException(URL, "connection refused", null);
        long started = System.nanoTime();
        for (int i = 0; i < 6; i++) {
            watch.failed(Outage.NETWORK, down);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis >= 1 + 2 + 4 + 4 + 4 + 4, "paused " + millis + " ms");
        assertTrue(millis < 2_000, "the cap held: paused " + millis + " ms");
    }

    private static EngineSettings settings(Duration window) {
        return new EngineSettings(Duration.ofMillis(200), Duration.ofMinutes(30), 5, Duration.ofMillis(1), 60, 4, window,
                Duration.ofMillis(1), java.util.Optional.empty());
    }

    private static RunProgress recording(List<String> reports) {
        return new RunProgress() {
            @Override
            public void outage(Outage outage, Instant until, String failure) {
                reports.add(outage.description() + " until " + until);
            }

            @Override
            public void recovered(Outage outage, Duration lasted) {
                reports.add(outage.name().toLowerCase() + " recovered after " + lasted.toSeconds() + " s");
            }
        };
    }

    /** A clock the test moves, so that windows of minutes pass without waiting for them. */
    private static final class MovingClock extends Clock {
        final Instant start = Instant.parse("2026-01-01T00:00:00Z");
        private Instant now = start;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
