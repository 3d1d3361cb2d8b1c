package org.replicator.coordinator.costs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CostArithmeticTest {
    private static final BigInteger GIB = BigInteger.ONE.shiftLeft(30);

    @Test
    void aPeriodAcrossAMonthEndIsSplitByTheTimeInEachUtcMonth() {
        Map<YearMonth, Long> split = CostReport.millisByMonth(Instant.parse("2026-11-30T18:00:00Z"),
                Instant.parse("2027-01-01T06:00:00Z"));
        assertEquals(List.of(YearMonth.of(2026, 11), YearMonth.of(2026, 12), YearMonth.of(2027, 1)),
                List.copyOf(split.keySet()));
        assertEquals(6 * 3_600_000L, split.get(YearMonth.of(2026, 11)));
        assertEquals(31 * 86_400_000L, split.get(YearMonth.of(2026, 12)));
        assertEquals(6 * 3_600_000L, split.get(YearMonth.of(2027, 1)));
        assertEquals(Map.of(), CostReport.millisByMonth(Instant.EPOCH, Instant.EPOCH), "an empty period touches no month");
    }

    @Test
    void apportionedSharesAddUpToTheTotalExactly() {
        List<BigInteger> shares = CostReport.apportion(BigInteger.valueOf(100), List.of(1L, 1L, 1L));
        assertEquals(List.of(BigInteger.valueOf(33), BigInteger.valueOf(33), BigInteger.valueOf(34)), shares);
        assertEquals(List.of(BigInteger.valueOf(7)), CostReport.apportion(BigInteger.valueOf(7), List.of(5L)));
        assertEquals(List.of(BigInteger.ZERO, BigInteger.TEN), CostReport.apportion(BigInteger.TEN, List.of(0L, 0L)),
                "weights of zero leave it all to the last share");
    }

    @Test
    void aGibHeldForAWholeMonthIsOneGibMonthWhateverTheMonthsLength() {
        YearMonth february = YearMonth.of(2027, 2);
        BigInteger wholeFebruary = GIB.multiply(BigInteger.valueOf(28L * 86_400));
        assertEquals(new BigDecimal("1.000000"), CostReport.gibMonths(wholeFebruary, february));
        assertEquals(new BigDecimal("0.903226"), CostReport.gibMonths(wholeFebruary, YearMonth.of(2027, 3)),
                "28 of March's 31 days");
        assertEquals(Optional.of(BigInteger.valueOf(1000)),
                CostReport.perGibMonth(BigInteger.valueOf(500), wholeFebruary.divide(BigInteger.TWO), february));
        assertEquals(Optional.empty(), CostReport.perGibMonth(BigInteger.TEN, BigInteger.ZERO, february),
                "nothing held: no rate");
    }

    @Test
    void cyclesPerGibDivideByTheBytesReplicated() {
        assertEquals(Optional.of(BigInteger.valueOf(2048)), CostReport.perGib(BigInteger.ONE, 1 << 19));
        assertEquals(Optional.empty(), CostReport.perGib(BigInteger.ONE, 0));
    }

    @Test
    void theStorageEstimateChargesTheFeeTablesRatePerGibSecond() {
        FeeTable fees = FeeTable.load();
        assertEquals(fees.gibStoragePerSecond().multiply(BigInteger.valueOf(86_400)),
                fees.storageEstimate(GIB.multiply(BigInteger.valueOf(86_400))));
        assertEquals(BigInteger.ONE, new FeeTable(13, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO,
                BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ONE).storageEstimate(GIB.shiftRight(1)),
                "half a cycle rounds to one");
    }

    @Test
    void csvQuotesFieldsWithCommasQuotesAndLineBreaksAndEndsRecordsWithCrLf() {
        assertEquals("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",,7\r\n",
                Csv.record("plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", null, Optional.of(7)));
        assertEquals("", Csv.field(Optional.empty()));
        assertEquals("\"\"\"\"", Csv.field("\""));
    }
}
