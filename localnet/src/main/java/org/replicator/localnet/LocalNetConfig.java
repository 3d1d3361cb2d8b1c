package org.replicator.localnet;

import java.nio.file.Path;
import java.time.Duration;
import org.replicator.localnet.cycles.InstructionLimits;
import org.replicator.localnet.subnet.SubnetConfig.Pacing;
import org.replicator.localnet.wasm.ExecutionEngine;

/**
 * How a localnet is set up.
 *
 * @param subnets number of subnets; subnet 0 is the root subnet whose key is the root key
 * @param stateDir where state is kept; null for a throw-away network in a temporary directory
 * @param host address the HTTP interface binds to
 * @param port HTTP port; 0 picks a free one
 * @param pacing FAST for tests, REALISTIC for block-rate pacing
 * @param roundInterval time between rounds when REALISTIC
 * @param heartbeatInterval how often canister_heartbeat runs
 * @param nodesPerSubnet the subnet size the fees are scaled to (13 on most application subnets)
 * @param engine AOT-compiled or interpreted wasm
 * @param limits instructions per execution; the IC's by default
 */
public record LocalNetConfig(
        int subnets,
        Path stateDir,
        String host,
        int port,
        Pacing pacing,
        Duration roundInterval,
        Duration heartbeatInterval,
        int nodesPerSubnet,
        ExecutionEngine engine,
        InstructionLimits limits) {

    public LocalNetConfig {
        if (subnets < 1 || subnets > 64) {
            throw new IllegalArgumentException("a localnet has 1 to 64 subnets, not " + subnets);
        }
        if (nodesPerSubnet < 1) {
            throw new IllegalArgumentException("a subnet has at least one node");
        }
    }

    /** Three subnets, fast rounds, a throw-away state, an ephemeral port on loopback. */
    public static LocalNetConfig defaults() {
        return new LocalNetConfig(3, null, "127.0.0.1", 0, Pacing.FAST, Duration.ofMillis(500),
                Duration.ofMillis(500), 13, ExecutionEngine.AOT,
                InstructionLimits.ic());
    }

    public LocalNetConfig withSubnets(int n) {
        return new LocalNetConfig(n, stateDir, host, port, pacing, roundInterval, heartbeatInterval, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withStateDir(Path dir) {
        return new LocalNetConfig(subnets, dir, host, port, pacing, roundInterval, heartbeatInterval, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withPort(int p) {
        return new LocalNetConfig(subnets, stateDir, host, p, pacing, roundInterval, heartbeatInterval, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withHost(String h) {
        return new LocalNetConfig(subnets, stateDir, h, port, pacing, roundInterval, heartbeatInterval, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withPacing(Pacing p) {
        return new LocalNetConfig(subnets, stateDir, host, port, p, roundInterval, heartbeatInterval, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withRoundInterval(Duration d) {
        return new LocalNetConfig(subnets, stateDir, host, port, pacing, d, heartbeatInterval, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withHeartbeatInterval(Duration d) {
        return new LocalNetConfig(subnets, stateDir, host, port, pacing, roundInterval, d, nodesPerSubnet, engine, limits);
    }

    public LocalNetConfig withEngine(ExecutionEngine e) {
        return new LocalNetConfig(subnets, stateDir, host, port, pacing, roundInterval, heartbeatInterval, nodesPerSubnet, e, limits);
    }

    public LocalNetConfig withInstructionLimits(InstructionLimits l) {
        return new LocalNetConfig(subnets, stateDir, host, port, pacing, roundInterval, heartbeatInterval, nodesPerSubnet, engine, l);
    }
}
