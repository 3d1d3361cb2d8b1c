package org.replicator.localnet.http;

import java.time.Duration;

/**
 * How the gateway listens and how long it waits.
 *
 * @param host bind address
 * @param port bind port, 0 for an ephemeral one
 * @param threads worker threads; calls hold one while they wait for execution
 * @param asyncCallWait how long a v2 call waits for its request to finish before answering 202;
 *     ic4j polls read_state at once and then only every second or more, so answering after
 *     execution saves it a second per update
 * @param syncCallWait how long a v3/v4 call waits for a certified result before answering 202
 * @param queryTimeout how long a query may run before the gateway answers 504
 * @param maxRequestBytes largest request body accepted (413 beyond)
 * @param maxIngressBytes largest ingress message accepted (413 beyond), 2 MiB as on application subnets
 * @param implVersion the {@code impl_version} reported by {@code /api/v2/status}
 */
public record GatewayConfig(String host, int port, int threads, Duration asyncCallWait, Duration syncCallWait,
        Duration queryTimeout, int maxRequestBytes, int maxIngressBytes, String implVersion) {

    public static GatewayConfig defaults() {
        return new GatewayConfig("127.0.0.1", 0, 32, Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofSeconds(60), 5 * 1024 * 1024, 2 * 1024 * 1024, "0.9.0");
    }

    public GatewayConfig withHost(String newHost) {
        return new GatewayConfig(newHost, port, threads, asyncCallWait, syncCallWait, queryTimeout, maxRequestBytes,
                maxIngressBytes, implVersion);
    }

    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(host, newPort, threads, asyncCallWait, syncCallWait, queryTimeout, maxRequestBytes,
                maxIngressBytes, implVersion);
    }

    public GatewayConfig withThreads(int newThreads) {
        return new GatewayConfig(host, port, newThreads, asyncCallWait, syncCallWait, queryTimeout, maxRequestBytes,
                maxIngressBytes, implVersion);
    }

    public GatewayConfig withCallWaits(Duration async, Duration sync) {
        return new GatewayConfig(host, port, threads, async, sync, queryTimeout, maxRequestBytes, maxIngressBytes,
                implVersion);
    }

    public GatewayConfig withQueryTimeout(Duration timeout) {
        return new GatewayConfig(host, port, threads, asyncCallWait, syncCallWait, timeout, maxRequestBytes,
                maxIngressBytes, implVersion);
    }

    public GatewayConfig withLimits(int requestBytes, int ingressBytes) {
        return new GatewayConfig(host, port, threads, asyncCallWait, syncCallWait, queryTimeout, requestBytes,
                ingressBytes, implVersion);
    }
}
