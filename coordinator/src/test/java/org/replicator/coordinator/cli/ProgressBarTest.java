package org.replicator.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void withoutATerminalItPrintsAPlainLineAtEachTenthAndNoCarriageReturns() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "pull", 200, false)) {
            for (int i = 0; i < 200; i++) {
                bar.advance(1);
            }
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(!out.contains("\r"), out);
        String[] lines = out.split("\n");
        assertEquals(10, lines.length, out);
        assertEquals("pull  10% (20/200)", lines[0]);
        assertEquals("pull 100% (200/200)", lines[9]);
    }

    @Test
    void onATerminalItRedrawsOneLineAndEndsItWhenClosed() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "pull", 4, true)) {
            bar.update(1);
            bar.update(4);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\rpull [=======>"), out);
        assertTrue(out.endsWith("100% 4/4" + System.lineSeparator()), out);
    }

    @Test
    void workThatStopsEarlySaysWhereItStopped() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "pull", 10, false)) {
            bar.update(3);
        }
        assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith("pull stopped at 30% (3/10)" + System.lineSeparator()));
    }

    @Test
    void progressIsClampedToTheTotal() {
        ProgressBar bar = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), "x", 10, true);
        bar.update(15);
        assertTrue(bar.render().endsWith("100% 10/10"), bar.render());
        bar.update(-3);
        assertTrue(bar.render().endsWith("  0% 0/10"), bar.render());
    }
}
