package org.replicator.coordinator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.protocol.BackupCanisterClient;
import org.replicator.coordinator.restore.AppModule;
import org.replicator.coordinator.restore.RestoreDriver;
import org.replicator.coordinator.restore.RestorePlan;
import org.replicator.coordinator.restore.RestorePlanner;
import org.replicator.coordinator.restore.RestoreRequest;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.RestoreRecord;
import org.replicator.coordinator.store.RestoreRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restores a sealed generation of CANISTER, canister to canister: the backup canister pushes it"
                + " into the target's restore endpoints, the target loads it only if its root matches, and the"
                + " coordinator then checks the target's image root. Into the original, writes made after the newest"
                + " sealed generation are counted first and the restore is refused unless --force. An unfinished"
                + " restore of CANISTER (e.g. of a stopped coordinator) is resumed instead of starting a new one."})
final class RestoreCommand implements Callable<Integer> {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
    String canister;

    @Option(names = "--generation", paramLabel = "G",
            description = "the generation to restore, as `replicator generations` lists it (default: the newest sealed)")
    Long generation;

    @Option(names = "--from", paramLabel = "REPLICA",
            description = "the replica to restore from (default: the one holding the generation; another replica's"
                    + " copy of the same image is used if given)")
    String from;

    @Option(names = "--into", paramLabel = "original|new", description = "the target (default: original)")
    RestoreRecord.Target into = RestoreRecord.Target.ORIGINAL;

    @Option(names = "--subnet", paramLabel = "SUBNET", description = "with --into new: where to create it (default:"
            + " the original's subnet)")
    String subnet;

    @Option(names = "--wasm", paramLabel = "FILE", description = "with --into new: the app's wasm module, which must"
            + " be the module the generation's source ran")
    Path wasm;

    @Option(names = "--init-arg", paramLabel = "HEX", description = "with --into new: the install argument in"
            + " Candid, hex-encoded (as `dfx canister install --argument-type raw`); give the original's, so the new"
            + " canister is configured alike (e.g. its chunk size). Default: no argument")
    String initArg;

    @Option(names = "--cycles", paramLabel = "C", description = "with --into new: initial balance (default 3000000000000)")
    BigInteger cycles = BigInteger.valueOf(3_000_000_000_000L);

    @Option(names = "--force", description = "overwrite writes made after the newest sealed generation; accept a"
            + " module other than the generation's")
    boolean force;

    @Option(names = "--dry-run", description = "print the plan (data source, target, size, estimated cycles and time)"
            + " and change nothing")
    boolean dryRun;

    @Override
    public Integer call() {
        try (Session session = new Session(root, spec.commandLine().getErr())) {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Optional<AppModule> module = Optional.ofNullable(wasm).map(RestoreCommand::read);
            if (into == RestoreRecord.Target.ORIGINAL && (wasm != null || subnet != null || initArg != null)) {
                throw new CommandFailure(ExitCodes.USAGE, "--wasm, --init-arg and --subnet are for --into new; a"
                        + " restore into the original keeps its code, configuration and subnet");
            }
            byte[] install = initArg == null ? RestoreDriver.NO_INIT_ARGUMENT : hex(initArg);
            AppReplicationClient apps = new AppReplicationClient(session.gateway());
            BackupCanisterClient backups = new BackupCanisterClient(session.gateway());
            RestoreDriver driver = new RestoreDriver(session.database(), session.gateway(), apps, backups,
                    ReplicaCommand.funding(session), Duration.ofMillis(200));
            String actor = session.identity().principal().text();
            Optional<RestoreRecord> unfinished = session.database().inTransaction(tx -> {
                Optional<ProtectedCanister> c = new CanisterRepository().findActiveByIdOrName(tx, canister);
                return c.isEmpty() ? Optional.<RestoreRecord>empty() : new RestoreRepository().unfinished(tx, c.get().id());
            });
            RestoreRecord restore;
            if (unfinished.isPresent()) {
                restore = unfinished.get();
                if (generation != null && generation != restore.generation()) {
                    throw new CommandFailure(ExitCodes.FAILURE, "restore " + restore.id() + " of generation "
                            + restore.generation() + " is unfinished; `replicator restore " + canister + "` without"
                            + " --generation resumes it first");
                }
                err.println("resuming restore " + restore.id() + " of generation " + restore.generation() + " ("
                        + restore.state().name().toLowerCase() + ")");
                if (dryRun) {
                    return ExitCodes.OK;
                }
            } else {
                RestorePlan plan = new RestorePlanner(session.database(), session.gateway(), apps, backups,
                        FeeTable.load()).plan(new RestoreRequest(canister, Optional.ofNullable(generation),
                                Optional.ofNullable(from).map(PrincipalId::parse), into,
                                Optional.ofNullable(subnet).map(PrincipalId::parse), module, cycles, force, dryRun));
                if (dryRun) {
                    if (session.json()) {
                        Output.json(out, planJson(plan));
                    } else {
                        printPlan(out, plan);
                    }
                    return ExitCodes.OK;
                }
                printPlan(err, plan);
                restore = driver.record(plan, actor);
            }
            ConsoleRestoreProgress progress = new ConsoleRestoreProgress(err);
            RestoreRecord done;
            try {
                done = driver.drive(restore.id(), module, install, cycles, actor, progress);
            } finally {
                progress.close();
            }
            if (session.json()) {
                Output.json(out, toJson(done));
            } else {
                out.println("restore " + done.id() + " of generation " + done.generation() + " into "
                        + done.targetCanister().map(PrincipalId::text).orElse("-") + ": "
                        + done.state().name().toLowerCase()
                        + (done.verified().orElse(false) ? ", image root " + done.root() + " verified" : "")
                        + done.error().map(e -> ": " + e).orElse(""));
                out.flush();
            }
            return done.state() == RestoreRecord.State.DONE && done.verified().orElse(false) ? ExitCodes.OK
                    : ExitCodes.FAILURE;
        }
    }

    static byte[] hex(String text) {
        try {
            byte[] bytes = java.util.HexFormat.of().parseHex(text.trim());
            if (bytes.length < 4 || bytes[0] != 'D' || bytes[1] != 'I' || bytes[2] != 'D' || bytes[3] != 'L') {
                throw new IllegalArgumentException("it does not start with DIDL");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCodes.USAGE, "--init-arg must be Candid bytes in hex (4449444c…): "
                    + e.getMessage());
        }
    }

    static AppModule read(Path file) {
        try {
            return AppModule.of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new CommandFailure(ExitCodes.USAGE, "cannot read the wasm module " + file + ": " + e.getMessage());
        }
    }

    private static void printPlan(PrintWriter out, RestorePlan p) {
        out.println("restore plan for " + p.canister().id() + p.canister().name().map(n -> " (" + n + ")").orElse(""));
        out.println("  data:      generation " + p.generation().id() + " (epoch " + p.generation().epoch() + ", root "
                + p.generation().root() + ", sealed " + p.generation().sealedAt().orElseThrow() + ")");
        out.println("  from:      backup canister " + p.replica().id() + " on subnet " + p.replica().subnet()
                + " (its generation " + p.backupGeneration() + ")");
        out.println("  into:      " + p.targetCanister().map(t -> "the original, " + t).orElse("a new canister")
                + " on subnet " + p.targetSubnet() + p.module().map(m -> ", module " + m.sha256()).orElse(""));
        out.println("  size:      " + p.generation().size() + " bytes in " + p.generation().chunkCount() + " chunks of "
                + p.chunkSize() + " bytes");
        out.println("  estimate:  " + p.estimatedCycles() + " cycles" + (p.targetCanister().isEmpty()
                ? " (+ " + p.cycles() + " for the new canister)" : "") + ", "
                + p.estimatedTime().map(d -> "about " + Math.max(1, d.toSeconds()) + " s").orElse("time unknown (no full"
                        + " run measured yet)"));
        p.writesOverwritten().ifPresent(n -> out.println("  overwrites: " + n + " chunk(s) written since the newest"
                + " sealed generation"));
        p.notes().forEach(n -> out.println("  note:      " + n));
        out.flush();
    }

    private static Map<String, Object> planJson(RestorePlan p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("canister", p.canister().id().text());
        m.put("generation", p.generation().id());
        m.put("epoch", p.generation().epoch().toString());
        m.put("root", p.generation().root().hex());
        m.put("from", p.replica().id().text());
        m.put("from_subnet", p.replica().subnet().text());
        m.put("into", p.target().name().toLowerCase());
        m.put("target", p.targetCanister().map(PrincipalId::text).orElse(null));
        m.put("target_subnet", p.targetSubnet().text());
        m.put("module", p.module().map(x -> x.sha256().hex()).orElse(null));
        m.put("size", p.generation().size());
        m.put("chunks", p.generation().chunkCount());
        m.put("chunk_size", p.chunkSize());
        m.put("estimated_cycles", p.estimatedCycles().toString());
        m.put("estimated_seconds", p.estimatedTime().map(Duration::toSeconds).orElse(null));
        m.put("writes_overwritten", p.writesOverwritten().orElse(null));
        m.put("notes", p.notes());
        return m;
    }

    static Map<String, Object> toJson(RestoreRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("restore", r.id());
        m.put("canister", r.canister().text());
        m.put("generation", r.generation());
        m.put("from", r.replica().text());
        m.put("into", r.target().name().toLowerCase());
        m.put("target", r.targetCanister().map(PrincipalId::text).orElse(null));
        m.put("state", r.state().name().toLowerCase());
        m.put("verified", r.verified().orElse(null));
        m.put("root", r.root().hex());
        m.put("size", r.size());
        m.put("error", r.error().orElse(null));
        return m;
    }
}
