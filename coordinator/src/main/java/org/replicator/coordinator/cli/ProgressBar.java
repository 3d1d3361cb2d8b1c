package org.replicator.coordinator.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display for long work. On a terminal it redraws one line in place; anywhere
 * else (a pipe, a log file, a test) it prints a plain line at each tenth of the work, so logs stay
 * readable and nothing relies on carriage returns.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean interactive;
    private long done;
    private int lastDecile;
    private boolean finished;

    public ProgressBar(PrintStream out, String label, long total, boolean interactive) {
        if (total < 0) {
            throw new IllegalArgumentException("total must not be negative");
        }
        this.out = out;
        this.label = label;
        this.total = total;
        this.interactive = interactive;
    }

    /** A bar on stderr that redraws only when the JVM has a console. */
    public static ProgressBar onConsole(String label, long total) {
        return new ProgressBar(System.err, label, total, System.console() != null);
    }

    public void advance(long amount) {
        update(done + amount);
    }

    public synchronized void update(long newDone) {
        done = Math.max(0, Math.min(total, newDone));
        if (interactive) {
            out.print("\r" + render());
            out.flush();
            return;
        }
        int decile = total == 0 ? 10 : (int) (done * 10 / total);
        if (decile > lastDecile) {
            lastDecile = decile;
            out.println(label + " " + percent() + " (" + done + "/" + total + ")");
        }
    }

    /** The bar as drawn on a terminal, e.g. {@code pull [=======>      ] 52% 13/25}. */
    String render() {
        int filled = total == 0 ? WIDTH : (int) (done * WIDTH / total);
        StringBuilder bar = new StringBuilder(label).append(" [");
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        return bar.append("] ").append(percent()).append(' ').append(done).append('/').append(total).toString();
    }

    private String percent() {
        long p = total == 0 ? 100 : done * 100 / total;
        return String.format(Locale.ROOT, "%3d%%", p);
    }

    @Override
    public synchronized void close() {
        if (finished) {
            return;
        }
        finished = true;
        if (interactive) {
            out.println();
        } else if (lastDecile < 10 && done < total) {
            out.println(label + " stopped at " + percent().trim() + " (" + done + "/" + total + ")");
        }
        out.flush();
    }
}
