package org.replicator.coordinator.agent;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which IC network to talk to and how to trust it. {@code ic} and the mainnet's API hosts use the
 * pinned mainnet root key; {@code local} and any other URL take the root key the network serves
 * from {@code /api/v2/status}, which is only as trustworthy as the connection to it.
 *
 * @param pinnedRootKey the root key to verify certificates with; empty to fetch it
 */
public record Network(String name, URI url, Optional<byte[]> pinnedRootKey) {
    public static final URI LOCAL_URL = URI.create("http://127.0.0.1:4943");
    public static final URI MAINNET_URL = URI.create("https://icp-api.io");
    private static final Set<String> MAINNET_HOSTS = Set.of("icp-api.io", "ic0.app", "icp0.io");

    /** Parses {@code local}, {@code ic} or an http(s) URL. */
    public static Network parse(String value) {
        String v = value == null ? "" : value.trim();
        if (v.equalsIgnoreCase("local")) {
            return new Network("local", LOCAL_URL, Optional.empty());
        }
        if (v.equalsIgnoreCase("ic")) {
            return new Network("ic", MAINNET_URL, Optional.of(MainnetRootKey.der()));
        }
        URI uri;
        try {
            uri = new URI(v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(invalid(v));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException(invalid(v));
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        boolean mainnet = scheme.equals("https") && MAINNET_HOSTS.contains(host);
        return new Network(v, uri, mainnet ? Optional.of(MainnetRootKey.der()) : Optional.empty());
    }

    private boolean isLoopback() {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static String invalid(String v) {
        return "'" + v + "' is not a network: use local, ic, or an http(s) URL such as http://127.0.0.1:4943";
    }

    /** Whether the root key will be fetched from the network itself. */
    public boolean trustsFetchedRootKey() {
        return pinnedRootKey.isEmpty();
    }

    /**
     * Said once before talking to a network whose root key is fetched rather than pinned. Not for
     * this machine's own addresses: a replica on loopback is as trustworthy as {@code local}, and a
     * warning on every command of a local workflow would teach people to ignore it.
     */
    public Optional<String> trustWarning() {
        if (!trustsFetchedRootKey() || name.equals("local") || isLoopback()) {
            return Optional.empty();
        }
        return Optional.of("warning: " + url + " is not the IC mainnet; its root key is fetched from the network"
                + " itself, so certificates prove only that they come from whatever answers at that URL");
    }
}
