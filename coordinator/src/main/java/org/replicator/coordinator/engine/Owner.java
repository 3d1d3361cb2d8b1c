package org.replicator.coordinator.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who holds a run: {@code kind@host:pid/id8}, e.g. {@code cli@build-7:48211/3f9a0c1d}. The host and
 * pid are there so that a coordinator on the same host can tell that a holder's process is gone and
 * take its run over without waiting for the lease; the random part tells two coordinators of one
 * process apart. Owners recorded in another form (older coordinators) are only ever taken over when
 * their lease expires.
 */
public record Owner(String kind, String host, long pid, String id) {
    private static final Pattern FORM = Pattern.compile("([a-z][a-z0-9-]*)@(.+):(\\d+)/([0-9a-f]{8})");
    private static final String HOST = lookUpHost();

    public Owner {
        if (!kind.matches("[a-z][a-z0-9-]*") || host.isBlank() || pid <= 0 || !id.matches("[0-9a-f]{8}")) {
            throw new IllegalArgumentException("not an owner: " + kind + "@" + host + ":" + pid + "/" + id);
        }
    }

    /** A new owner for this process, e.g. {@code Owner.current("cli")}. */
    public static Owner current(String kind) {
        return new Owner(kind, thisHost(), ProcessHandle.current().pid(), UUID.randomUUID().toString().substring(0, 8));
    }

    public static Optional<Owner> parse(String text) {
        Matcher m = FORM.matcher(text);
        return m.matches() ? Optional.of(new Owner(m.group(1), m.group(2), Long.parseLong(m.group(3)), m.group(4)))
                : Optional.empty();
    }

    /**
     * True only when the holder certainly no longer runs: it names this host and no process has its
     * pid. A reused pid reads as alive, which errs on the safe side (the lease then decides).
     */
    public boolean deadOnThisHost() {
        return host.equals(thisHost()) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    static String thisHost() {
        return HOST;
    }

    private static String lookUpHost() {
        String env = System.getenv("HOSTNAME");
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return env != null && !env.isBlank() ? env : "localhost";
        }
    }

    @Override
    public String toString() {
        return kind + "@" + host + ":" + pid + "/" + id;
    }
}
