package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.coordinator.http.StatusDocuments;
import org.replicator.coordinator.store.Run;
import org.replicator.coordinator.store.RunRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the unfinished runs and their replicas' parts.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    static Map<String, Object> toJson(Run r) {
        return StatusDocuments.run(r);
    }

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            RunRepository runs = new RunRepository();
            List<Run> open = session.database().inTransaction(runs::listUnfinished);
            List<Run> finished = session.database().inTransaction(runs::listLatestFinished);
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("unfinished", open.stream().map(StatusCommand::toJson).toList());
                doc.put("last_finished", finished.stream().map(StatusCommand::toJson).toList());
                Output.json(out, doc);
                return ExitCodes.OK;
            }
            for (Run r : finished) {
                out.println("last run of " + r.canister() + ": run " + r.id() + " (" + r.kind().name().toLowerCase()
                        + ") " + r.state().name().toLowerCase() + r.error().map(e -> ": " + e).orElse(""));
            }
            if (open.isEmpty()) {
                out.println("no unfinished runs");
            }
            for (Run r : open) {
                out.println("run " + r.id() + " of " + r.canister() + " (" + r.kind().name().toLowerCase() + "): "
                        + r.state().name().toLowerCase());
                for (RunRepository.Part p : session.database().inTransaction(tx -> runs.parts(tx, r.id()))) {
                    out.println("  replica " + p.replica() + ": " + p.state().name().toLowerCase()
                            + p.error().map(e -> " (" + e + ")").orElse(""));
                }
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
