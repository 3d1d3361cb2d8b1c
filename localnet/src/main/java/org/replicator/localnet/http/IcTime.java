package org.replicator.localnet.http;

import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Times as the replica prints them in error messages: {@code 2025-05-01 23:55:18.005285297 UTC}. */
final class IcTime {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS 'UTC'").withZone(ZoneOffset.UTC);
    private static final BigInteger BILLION = BigInteger.valueOf(1_000_000_000L);

    private IcTime() {
    }

    /** Formats nanoseconds since the epoch, read as an unsigned 64-bit value. */
    static String format(long unsignedNanos) {
        BigInteger[] parts = new BigInteger(Long.toUnsignedString(unsignedNanos)).divideAndRemainder(BILLION);
        return FORMAT.format(Instant.ofEpochSecond(parts[0].longValueExact(), parts[1].longValue()));
    }
}
