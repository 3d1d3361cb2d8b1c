package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.Generation;
import org.replicator.coordinator.store.GenerationRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "generations", mixinStandardHelpOptions = true,
        description = "Lists the generations each replica of CANISTER holds, with their roots.")
final class GenerationsCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            List<Map<String, Object>> rows = session.database().inTransaction(tx -> {
                ProtectedCanister c = new CanisterRepository().findActiveByIdOrName(tx, canister).orElseThrow(() ->
                        new CommandFailure(ExitCodes.FAILURE, "no protected canister is called " + canister));
                List<Map<String, Object>> result = new ArrayList<>();
                for (Replica r : new ReplicaRepository().listLive(tx, c.id())) {
                    for (Generation g : new GenerationRepository().list(tx, r.id())) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("generation", g.id());
                        m.put("replica", r.id().text());
                        m.put("epoch", g.epoch().toString());
                        m.put("root", g.root().hex());
                        m.put("size", g.size());
                        m.put("sealed", g.sealed());
                        result.add(m);
                    }
                }
                return result;
            });
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, rows);
                return ExitCodes.OK;
            }
            if (rows.isEmpty()) {
                out.println("no generations yet; run `replicator replicate " + canister + "`");
            }
            for (Map<String, Object> m : rows) {
                out.println(m.get("generation") + "  " + m.get("replica") + "  epoch " + m.get("epoch") + "  "
                        + m.get("size") + " bytes  root " + m.get("root") + ((Boolean) m.get("sealed") ? "  sealed" : ""));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }
}
