package org.replicator.coordinator.costs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.replicator.localnet.cycles.FeeSchedule;

/** The coordinator's storage estimate charges what the network charges for the same memory and time. */
class FeeTableTest {
    private final FeeTable fees = FeeTable.load();

    @Test
    void storageEstimateEqualsWhatTheLocalnetChargesOnTheReferenceAndOnALargerSubnet() {
        long bytes = 37L * 1024 * 1024 + 12345;
        Duration period = Duration.ofSeconds(3_600, 250_000_000);
        long nanos = period.toNanos();
        for (int nodes : new int[] {13, 34}) {
            FeeSchedule network = FeeSchedule.standard().forSubnetSize(nodes);
            BigInteger charged = network.storageCostScaled(bytes, nanos).divide(FeeSchedule.storageScale());
            assertEquals(charged, fees.storageEstimate(bytes, period, nodes), "subnet of " + nodes + " nodes");
        }
        assertTrue(fees.storageEstimate(bytes, period, 34).compareTo(fees.storageEstimate(bytes, period, 13)) > 0,
                "a larger subnet charges more for the same storage");
    }

    @Test
    void oneGibForOneSecondCostsTheFeeTableRate() {
        assertEquals(fees.gibStoragePerSecond(), fees.storageEstimate(1L << 30, Duration.ofSeconds(1),
                fees.referenceSubnetSize()));
        assertEquals(BigInteger.ZERO, fees.storageEstimate(0, Duration.ofDays(1), 13));
    }

    @Test
    void aNegativeSizeOrPeriodOrAnEmptySubnetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> fees.storageEstimate(-1, Duration.ofSeconds(1), 13));
        assertThrows(IllegalArgumentException.class, () -> fees.storageEstimate(1, Duration.ofSeconds(-1), 13));
        assertThrows(IllegalArgumentException.class, () -> fees.storageEstimate(1, Duration.ofSeconds(1), 0));
    }
}
