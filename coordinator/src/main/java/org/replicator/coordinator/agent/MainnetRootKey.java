package org.replicator.coordinator.agent;

import java.util.HexFormat;

/**
 * The IC mainnet's root public key (BLS12-381, DER-wrapped, 133 bytes). It is pinned, never
 * fetched: a key taken from the network being talked to would let that network vouch for itself.
 *
 * <p>Source: {@code IC_ROOT_KEY} in dfinity/agent-js, {@code packages/agent/src/agent/http/index.ts}
 * (commit 005fc065f3cac2ca7aca696e3e5c8e6379570a7c), identical to {@code Agent.IC_ROOT_KEY} in
 * ic4j-agent 0.7.2 ({@code org/ic4j/agent/Agent.java}).
 */
public final class MainnetRootKey {
    private static final String HEX = "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100"
            + "814c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f913a0c0b2cc534"
            + "1583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b01291091c5f87b98883463f98091a0baaae";

    private MainnetRootKey() {
    }

    public static byte[] der() {
        return HexFormat.of().parseHex(HEX);
    }
}
