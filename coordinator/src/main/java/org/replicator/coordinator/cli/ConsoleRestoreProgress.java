package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import org.replicator.coordinator.restore.RestoreProgress;

/** A restore's (or a failover's) steps on stderr, one line each, and a progress bar while chunks are pushed. */
final class ConsoleRestoreProgress implements RestoreProgress, AutoCloseable {
    private final PrintWriter err;
    private ProgressBar bar;

    ConsoleRestoreProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void step(String what) {
        closeBar();
        err.println("… " + what);
        err.flush();
    }

    @Override
    public void written(long chunksWritten, long chunksTotal) {
        if (bar == null) {
            bar = ProgressBar.onConsole("restore", chunksTotal);
        }
        bar.update(chunksWritten);
    }

    @Override
    public void close() {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
