package org.replicator.localnet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * A section of {@code docs/benchmarks.md}: rows of measured figures, written between markers so
 * that each part of the project rewrites only its own section.
 */
public final class BenchmarkReport {
    private final String section;
    private final String title;
    private final List<String[]> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public BenchmarkReport(String section, String title) {
        this.section = section;
        this.title = title;
    }

    public void row(String benchmark, String result, String detail) {
        rows.add(new String[] {benchmark, result, detail});
        System.out.printf("  %-58s %-22s %s%n", benchmark, result, detail);
    }

    public void note(String text) {
        notes.add(text);
    }

    /** The machine the figures were measured on. */
    public static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // not Linux: the CPU stays unknown
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return String.format("%s, %d cores, %d GiB RAM, %s %s, Java %s", cpu,
                Runtime.getRuntime().availableProcessors(), memory >> 30, System.getProperty("os.name"),
                System.getProperty("os.arch"), System.getProperty("java.version"));
    }

    public void writeTo(Path file) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!-- ").append(section).append(":begin -->\n");
        b.append("## ").append(title).append("\n\n");
        b.append("Measured ").append(LocalDate.now()).append(" on ").append(machine()).append(".\n\n");
        b.append("| benchmark | result | detail |\n| --- | --- | --- |\n");
        for (String[] r : rows) {
            b.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2]).append(" |\n");
        }
        for (String n : notes) {
            b.append("\n").append(n).append("\n");
        }
        b.append("<!-- ").append(section).append(":end -->\n");
        String existing = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n"
                + "Produced by `scripts/bench`; each section is rewritten by its own benchmark run.\n\n";
        String begin = "<!-- " + section + ":begin -->";
        String end = "<!-- " + section + ":end -->\n";
        int from = existing.indexOf(begin);
        int to = existing.indexOf(end);
        String updated = from >= 0 && to > from
                ? existing.substring(0, from) + b + existing.substring(to + end.length())
                : existing + (existing.endsWith("\n\n") ? "" : "\n") + b;
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, updated, StandardCharsets.UTF_8);
    }
}
