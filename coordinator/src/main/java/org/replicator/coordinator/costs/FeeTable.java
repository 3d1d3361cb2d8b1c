package org.replicator.coordinator.costs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Properties;

/**
 * The IC's published fees, read from the one file the localnet also charges from
 * ({@code org/replicator/localnet/cycles/ic-fees.properties} on the classpath), so the estimate
 * and the network's charges follow the same figures when the IC changes its prices.
 */
public record FeeTable(long referenceSubnetSize, BigInteger canisterCreation, BigInteger updateExecution,
        BigInteger tenInstructions, BigInteger xnetCall, BigInteger xnetByte, BigInteger ingressReception,
        BigInteger ingressByte, BigInteger gibStoragePerSecond) {
    public static final String RESOURCE = "org/replicator/localnet/cycles/ic-fees.properties";
    /** Instructions the backup canister spends per byte pulled: SHA-256 (86, docs/protocol.md) and copying. */
    static final long INSTRUCTIONS_PER_BYTE = 100;
    private static final BigInteger GIB = BigInteger.ONE.shiftLeft(30);
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

    public static FeeTable load() {
        Properties p = new Properties();
        try (InputStream in = FeeTable.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the fee table " + RESOURCE + " is not on the classpath");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FeeTable(Long.parseLong(p.getProperty("reference_subnet_size")), nat(p, "canister_creation_fee"),
                nat(p, "update_message_execution_fee"), nat(p, "ten_update_instructions_execution_fee"),
                nat(p, "xnet_call_fee"), nat(p, "xnet_byte_transmission_fee"), nat(p, "ingress_message_reception_fee"),
                nat(p, "ingress_byte_reception_fee"), nat(p, "gib_storage_per_second_fee"));
    }

    /**
     * What one replica's pull of {@code chunks} chunks ({@code bytes} in all) costs across subnets:
     * per chunk one call (xnet base fee, an update execution on each side), per byte the transfer
     * fee and the hashing and storing instructions. An upper bound for incremental runs, which
     * pull only what changed.
     */
    public BigInteger pullEstimate(long chunks, long bytes) {
        BigInteger perChunk = xnetCall.add(updateExecution.multiply(BigInteger.TWO));
        BigInteger perByte = xnetByte.add(tenInstructions.multiply(BigInteger.valueOf(INSTRUCTIONS_PER_BYTE / 10)));
        return perChunk.multiply(BigInteger.valueOf(chunks)).add(perByte.multiply(BigInteger.valueOf(bytes)));
    }

    /**
     * What one replica's incremental run costs beyond its chunk pulls: the {@code sync()} ingress
     * message and its execution, and the backup canister's own calls to the source
     * ({@code replication_begin}, {@code replication_end} and {@code pages} pages of
     * {@code replication_changes} whose replies carry 8 bytes per listed index).
     */
    public BigInteger incrementalRunOverhead(long pages, long listedIndices) {
        BigInteger perCall = xnetCall.add(updateExecution.multiply(BigInteger.TWO));
        return ingressReception.add(updateExecution).add(perCall.multiply(BigInteger.valueOf(2 + pages)))
                .add(xnetByte.multiply(BigInteger.valueOf(8 * listedIndices)));
    }

    /** What holding {@code byteSeconds} (bytes times seconds) costs at the storage fee, rounded to the nearest cycle. */
    public BigInteger storageEstimate(BigInteger byteSeconds) {
        BigInteger[] qr = byteSeconds.multiply(gibStoragePerSecond).divideAndRemainder(GIB);
        return qr[1].shiftLeft(1).compareTo(GIB) >= 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    }

    /**
     * What holding {@code bytes} of canister memory for {@code period} costs on a subnet of
     * {@code subnetSize} nodes: the storage fee per GiB-second scaled by subnetSize /
     * referenceSubnetSize (rounded down, as the network scales each fee before charging), times
     * the byte-seconds held, rounded down to whole cycles.
     */
    public BigInteger storageEstimate(long bytes, Duration period, long subnetSize) {
        if (bytes < 0 || period.isNegative() || subnetSize < 1) {
            throw new IllegalArgumentException("a storage estimate needs bytes >= 0, a period >= 0 and a subnet of at"
                    + " least one node, not " + bytes + " bytes, " + period + ", " + subnetSize + " nodes");
        }
        BigInteger nanos = BigInteger.valueOf(period.getSeconds()).multiply(NANOS_PER_SECOND)
                .add(BigInteger.valueOf(period.getNano()));
        BigInteger fee = gibStoragePerSecond.multiply(BigInteger.valueOf(subnetSize))
                .divide(BigInteger.valueOf(referenceSubnetSize));
        return BigInteger.valueOf(bytes).multiply(nanos).multiply(fee).divide(GIB.multiply(NANOS_PER_SECOND));
    }

    private static BigInteger nat(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalStateException("the fee table " + RESOURCE + " has no " + key);
        }
        return new BigInteger(v.trim());
    }
}
