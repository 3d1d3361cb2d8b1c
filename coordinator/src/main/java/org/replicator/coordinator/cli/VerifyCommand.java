package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.protocol.BackupGeneration;
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

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Asks every active replica of CANISTER to re-hash its latest sealed generation from the stored"
                + " bytes and recompute the root, and compares that root with the one the coordinator sealed."
                + " Exit 0 only if every replica holds its generation intact."})
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            record Target(Replica replica, Optional<Generation> generation) {
            }
            List<Target> targets = session.database().inTransaction(tx -> {
                ProtectedCanister c = new CanisterRepository().findActiveByIdOrName(tx, canister).orElseThrow(() ->
                        new CommandFailure(ExitCodes.FAILURE, "no protected canister is called " + canister));
                List<Target> result = new ArrayList<>();
                for (Replica r : new ReplicaRepository().listLive(tx, c.id())) {
                    if (r.status() == Replica.Status.ACTIVE) {
                        result.add(new Target(r, new GenerationRepository().latestSealed(tx, r.id())));
                    }
                }
                return result;
            });
            if (targets.isEmpty()) {
                throw new CommandFailure(ExitCodes.FAILURE, "canister " + canister + " has no active replica; create one"
                        + " with `replicator replica create " + canister + "`");
            }
            BackupCanisterClient backups = new BackupCanisterClient(session.gateway());
            List<Map<String, Object>> rows = new ArrayList<>();
            boolean allOk = true;
            for (Target t : targets) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("replica", t.replica().id().text());
                String verdict;
                if (t.generation().isEmpty()) {
                    verdict = "no sealed generation yet; run `replicator replicate " + canister + "`";
                    allOk = false;
                } else {
                    Generation g = t.generation().get();
                    m.put("generation", g.id());
                    m.put("epoch", g.epoch().toString());
                    m.put("expected_root", g.root().hex());
                    // the backup canister numbers its generations itself; source and epoch name the image on both sides
                    Optional<BackupGeneration> held = backups.generations(t.replica().id()).stream()
                            .filter(x -> x.holds(g)).findFirst();
                    if (held.isEmpty()) {
                        verdict = "MISSING: the backup canister no longer holds the generation of epoch " + g.epoch();
                        allOk = false;
                    } else {
                        BackupCanisterClient.VerifyResult v = backups.verify(t.replica().id(), held.get().id());
                        m.put("chunks_checked", v.chunksChecked());
                        m.put("root", v.root() == null ? null : v.root().hex());
                        if (v.ok() && g.root().equals(v.root())) {
                            verdict = "ok";
                        } else {
                            verdict = "MISMATCH: the stored chunks give root " + v.root() + ", sealed root is " + g.root()
                                    + v.error().map(e -> " (" + e + ")").orElse("");
                            allOk = false;
                        }
                    }
                }
                m.put("verdict", verdict);
                rows.add(m);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, rows);
            } else {
                for (Map<String, Object> m : rows) {
                    out.println(m.get("replica") + Optional.ofNullable(m.get("epoch")).map(e -> "  epoch " + e).orElse("")
                            + Optional.ofNullable(m.get("chunks_checked")).map(c -> "  " + c + " chunks").orElse("")
                            + "  " + m.get("verdict"));
                }
            }
            out.flush();
            return allOk ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }
}
