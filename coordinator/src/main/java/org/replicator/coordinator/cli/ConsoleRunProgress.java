package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.replicator.coordinator.engine.EngineSettings;
import org.replicator.coordinator.engine.Outage;
import org.replicator.coordinator.engine.RunProgress;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.Run;

/** A replication run on stderr: its states, what it waits for, outages, and a progress bar per replica. */
final class ConsoleRunProgress implements RunProgress, AutoCloseable {
    private final PrintWriter err;
    private final Map<PrincipalId, ProgressBar> bars = new ConcurrentHashMap<>();

    ConsoleRunProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void state(Run run) {
        err.println("run " + run.id() + ": " + run.state().name().toLowerCase());
        err.flush();
    }

    @Override
    public void waiting(String why) {
        err.println(why);
        err.flush();
    }

    @Override
    public void pulled(long runId, PrincipalId replica, long done, long total, long bytes) {
        bars.computeIfAbsent(replica, r -> ProgressBar.onConsole("pull " + r, total)).update(done);
    }

    @Override
    public void outage(Outage outage, Instant until, String failure) {
        err.println(outage.description() + ", retrying until " + until.truncatedTo(ChronoUnit.SECONDS) + ": " + failure);
        err.flush();
    }

    @Override
    public void toppedUp(long runId, PrincipalId replica, BigInteger cycles, int nth, String why) {
        err.println("topped up " + replica + " by " + cycles + " cycles (top-up " + nth + " of at most "
                + EngineSettings.defaults().retries() + " in this run): " + why);
        err.flush();
    }

    @Override
    public void recovered(Outage outage, Duration lasted) {
        err.println(outage.description().replace(" unreachable", "") + " reachable again after " + lasted.toSeconds()
                + " s");
        err.flush();
    }

    /** Closes the bars of the runs so far, so the next run (or line) starts on its own. */
    @Override
    public void close() {
        bars.values().forEach(ProgressBar::close);
        bars.clear();
    }
}
