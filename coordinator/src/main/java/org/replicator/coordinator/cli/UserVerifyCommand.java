package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.ids.MalformedPrincipalException;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.store.Digest;
import org.replicator.coordinator.users.IndependentVerifier;
import org.replicator.coordinator.users.IndependentVerifier.BadChunk;
import org.replicator.coordinator.users.IndependentVerifier.GenerationCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks a backup canister with queries only, as its holder can without the coordinator or its"
                + " database: reads every chunk of every generation (or --generation), re-hashes it, recomputes the"
                + " root as docs/protocol.md defines it and compares both with what the canister lists. Exit 0 only"
                + " if every generation is intact (and, with --expect-root, one has that root)."})
final class UserVerifyCommand implements Callable<Integer> {
    @ParentCommand
    UserCommand parent;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BACKUP_CANISTER", description = "the backup canister's principal")
    String canister;

    @Option(names = "--generation", paramLabel = "ID", description = "only this generation (the canister's numbering)")
    Long generation;

    @Option(names = "--expect-root", paramLabel = "HEX", description = "a root got elsewhere (e.g. from the app): one"
            + " verified generation must have it")
    String expectRoot;

    @Override
    public Integer call() {
        PrincipalId id;
        try {
            id = PrincipalId.parse(canister);
        } catch (MalformedPrincipalException e) {
            throw new CommandFailure(ExitCodes.USAGE, "BACKUP_CANISTER must be a principal, not " + canister + ": "
                    + e.getMessage());
        }
        Optional<Digest> expected = Optional.ofNullable(expectRoot).map(UserVerifyCommand::parseRoot);
        // only the gateway: this command must work for someone who has the canister and nothing else
        try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
            IndependentVerifier verifier = new IndependentVerifier(
                    IndependentVerifier.Chunks.of(new BackupCanisterClient(session.gateway())));
            IndependentVerifier.Report report;
            try {
                report = verifier.verify(id, Optional.ofNullable(generation), expected);
            } catch (IllegalArgumentException e) {
                throw new CommandFailure(ExitCodes.FAILURE, e.getMessage());
            }
            if (report.generations().isEmpty()) {
                throw new CommandFailure(ExitCodes.FAILURE, "backup canister " + id + " holds no generation yet");
            }
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("canister", id.text());
                doc.put("ok", report.ok());
                List<Map<String, Object>> gens = new ArrayList<>();
                for (GenerationCheck c : report.generations()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("generation", c.generation().id());
                    m.put("epoch", c.generation().epoch());
                    m.put("source", c.generation().source().map(PrincipalId::text).orElse(null));
                    m.put("chunks", c.generation().chunkCount());
                    m.put("bytes_read", c.bytesRead());
                    m.put("listed_root", c.generation().root().hex());
                    m.put("recomputed_root", c.recomputedRoot().hex());
                    m.put("ok", c.ok());
                    m.put("bad_chunks", c.badChunks().stream().map(b -> Map.of("index", b.index(), "problem",
                            b.problem())).toList());
                    gens.add(m);
                }
                doc.put("generations", gens);
                doc.put("expected_root", expected.map(Digest::hex).orElse(null));
                doc.put("expected_root_in_generation", report.expectedFoundIn().orElse(null));
                Output.json(out, doc);
            } else {
                for (GenerationCheck c : report.generations()) {
                    out.println("generation " + c.generation().id() + "  epoch " + c.generation().epoch() + "  "
                            + c.generation().chunkCount() + " chunks / " + c.bytesRead() + " bytes read  "
                            + (c.ok() ? "OK root " + c.recomputedRoot().hex() : "MISMATCH"));
                    for (BadChunk b : c.badChunks()) {
                        out.println("  chunk " + b.index() + ": " + b.problem());
                    }
                    if (!c.rootMatches()) {
                        out.println("  root: recomputed " + c.recomputedRoot().hex() + ", the canister lists "
                                + c.generation().root().hex());
                    }
                }
                expected.ifPresent(e -> out.println(report.expectedFoundIn()
                        .map(g -> "expected root " + e.hex() + ": held by generation " + g)
                        .orElse("expected root " + e.hex() + ": NOT held by any intact generation")));
            }
            out.flush();
            return report.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    private static Digest parseRoot(String hex) {
        if (!hex.matches("[0-9a-fA-F]{64}")) {
            throw new CommandFailure(ExitCodes.USAGE, "--expect-root must be 64 hex digits (a SHA-256), not " + hex);
        }
        return new Digest(hex.toLowerCase());
    }
}
