package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the replicator command in-process with captured output, for tests in other packages. */
public final class CliRunner {
    private CliRunner() {
    }

    public record Result(int code, String out, String err) {
    }

    public static Result run(String... args) {
        CliEndToEndTest.Result r = CliEndToEndTest.run(args);
        return new Result(r.code(), r.out(), r.err());
    }
}
