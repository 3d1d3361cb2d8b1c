package org.replicator.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** `replicate --outage-window` takes durations as people write them and names what is wrong otherwise. */
class OutageWindowOptionTest {
    private final DurationConverter converter = new DurationConverter();

    @Test
    void shortFormsAndIsoDurationsAreAccepted() {
        assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
        assertEquals(Duration.ofSeconds(30), converter.convert("30s"));
        assertEquals(Duration.ofMinutes(10), converter.convert("10m"));
        assertEquals(Duration.ofHours(1), converter.convert("1h"));
        assertEquals(Duration.ofMinutes(10), converter.convert("PT10M"));
    }

    @Test
    void somethingElseIsRefusedWithTheFormsThatWork() {
        TypeConversionException e = assertThrows(TypeConversionException.class, () -> converter.convert("ten minutes"));
        assertTrue(e.getMessage().contains("'ten minutes' is not a duration") && e.getMessage().contains("10m"),
                e.getMessage());
        assertThrows(TypeConversionException.class, () -> converter.convert("-PT1M"));
    }

    @Test
    void aMalformedWindowIsAUsageErrorBeforeAnythingIsOpened() {
        CliRunner.Result r = CliRunner.run("replicate", "some-canister", "--outage-window", "soon",
                "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/none");
        assertEquals(ExitCodes.USAGE, r.code(), r.err());
        assertTrue(r.err().contains("'soon' is not a duration"), r.err());
    }
}
