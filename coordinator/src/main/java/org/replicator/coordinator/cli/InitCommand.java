package org.replicator.coordinator.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.coordinator.store.Database;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Creates the data directory, starts the embedded PostgreSQL (or connects to --jdbc-url) and"
                + " brings the schema up to date. Safe to run again: it then changes nothing."})
final class InitCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            Database.MigrationReport report = session.initialise();
            Database db = session.database();
            var out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("data_dir", session.dataDir().toString());
                result.put("database", db.description());
                result.put("schema_before", report.from().orElse(null));
                result.put("schema_version", report.to());
                result.put("migrations_applied", report.applied());
                Output.json(out, result);
            } else {
                out.println("data directory: " + session.dataDir());
                out.println("database: " + db.description());
                out.println(report.applied() == 0
                        ? "schema: version " + report.to() + ", already up to date"
                        : "schema: " + report.from().map(v -> "version " + v).orElse("empty") + " -> version "
                                + report.to() + " (" + report.applied() + " migration" + (report.applied() == 1 ? "" : "s")
                                + " applied)");
                out.flush();
            }
        }
        return ExitCodes.OK;
    }
}
