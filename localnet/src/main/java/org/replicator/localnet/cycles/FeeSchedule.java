package org.replicator.localnet.cycles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Properties;

/**
 * The IC's cycle fees, read from one data file ({@code ic-fees.properties}) so that the figures can
 * follow the IC's price changes without touching code. Figures are for the reference subnet size
 * (13 nodes); {@link #forSubnetSize(int)} scales them the way the IC does for larger subnets.
 */
public record FeeSchedule(
        int subnetSize,
        long canisterCreationFee,
        long updateMessageExecutionFee,
        long tenUpdateInstructionsExecutionFee,
        long xnetCallFee,
        long xnetByteTransmissionFee,
        long ingressMessageReceptionFee,
        long ingressByteReceptionFee,
        long gibStoragePerSecondFee) {

    public static final String RESOURCE = "/org/replicator/localnet/cycles/ic-fees.properties";
    private static final BigInteger GIB = BigInteger.valueOf(1L << 30);
    private static final BigInteger NANOS_PER_SECOND = BigInteger.valueOf(1_000_000_000L);

    /** The published schedule for a 13-node application subnet. */
    public static FeeSchedule standard() {
        try (InputStream in = FeeSchedule.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("fee table " + RESOURCE + " is missing from the classpath");
            }
            Properties p = new Properties();
            p.load(in);
            return fromProperties(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fee table " + RESOURCE, e);
        }
    }

    static FeeSchedule fromProperties(Properties p) {
        return new FeeSchedule(
                intValue(p, "reference_subnet_size"),
                longValue(p, "canister_creation_fee"),
                longValue(p, "update_message_execution_fee"),
                longValue(p, "ten_update_instructions_execution_fee"),
                longValue(p, "xnet_call_fee"),
                longValue(p, "xnet_byte_transmission_fee"),
                longValue(p, "ingress_message_reception_fee"),
                longValue(p, "ingress_byte_reception_fee"),
                longValue(p, "gib_storage_per_second_fee"));
    }

    /** The schedule for a subnet of {@code nodes} nodes: every fee times nodes / reference size. */
    public FeeSchedule forSubnetSize(int nodes) {
        return new FeeSchedule(nodes,
                scale(canisterCreationFee, nodes),
                scale(updateMessageExecutionFee, nodes),
                scale(tenUpdateInstructionsExecutionFee, nodes),
                scale(xnetCallFee, nodes),
                scale(xnetByteTransmissionFee, nodes),
                scale(ingressMessageReceptionFee, nodes),
                scale(ingressByteReceptionFee, nodes),
                scale(gibStoragePerSecondFee, nodes));
    }

    /** Base fee plus the per-instruction fee for an execution of {@code instructions}. */
    public long executionCost(long instructions) {
        return updateMessageExecutionFee + instructionsCost(instructions);
    }

    public long instructionsCost(long instructions) {
        return Math.multiplyExact(instructions / 10, tenUpdateInstructionsExecutionFee)
                + (instructions % 10) * tenUpdateInstructionsExecutionFee / 10;
    }

    /** What an ingress message of {@code bytes} (method name plus argument) costs its receiver. */
    public long ingressInductionCost(long bytes) {
        return ingressMessageReceptionFee + Math.multiplyExact(ingressByteReceptionFee, bytes);
    }

    /** What sending an inter-canister request of {@code bytes} (method name plus argument) costs. */
    public long callCost(long bytes) {
        return xnetCallFee + transmissionCost(bytes);
    }

    public long transmissionCost(long bytes) {
        return Math.multiplyExact(xnetByteTransmissionFee, bytes);
    }

    /**
     * Storage for {@code bytes} held during {@code nanos}, in cycles times 10^9 * 2^30 so that
     * callers can carry the fraction between charges and never lose a cycle to rounding.
     */
    public BigInteger storageCostScaled(long bytes, long nanos) {
        return BigInteger.valueOf(bytes).multiply(BigInteger.valueOf(nanos))
                .multiply(BigInteger.valueOf(gibStoragePerSecondFee));
    }

    /** The divisor that turns {@link #storageCostScaled} into cycles. */
    public static BigInteger storageScale() {
        return GIB.multiply(NANOS_PER_SECOND);
    }

    /** Cycles a canister of {@code bytes} burns per day while idle (storage only here). */
    public long idleCyclesBurnedPerDay(long bytes) {
        return storageCostScaled(bytes, 86_400L * 1_000_000_000L).divide(storageScale()).longValueExact();
    }

    private long scale(long fee, int nodes) {
        return BigInteger.valueOf(fee).multiply(BigInteger.valueOf(nodes))
                .divide(BigInteger.valueOf(subnetSize)).longValueExact();
    }

    private static long longValue(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalStateException("fee table has no '" + key + "'");
        }
        return Long.parseLong(v.trim());
    }

    private static int intValue(Properties p, String key) {
        return Math.toIntExact(longValue(p, key));
    }
}
