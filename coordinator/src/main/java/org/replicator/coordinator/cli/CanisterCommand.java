package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.coordinator.agent.CanisterInfo;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.AuditLog;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.StaleStateException;
import org.replicator.coordinator.store.SubnetRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "canister", mixinStandardHelpOptions = true,
        description = "Manages the canisters Replicator protects.",
        subcommands = {CanisterCommand.Add.class, CanisterCommand.ListCanisters.class, CanisterCommand.Remove.class,
                CanisterCommand.AllowUsers.class})
final class CanisterCommand implements Runnable {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, Object> toJson(ProtectedCanister c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id().text());
        m.put("name", c.name().orElse(null));
        m.put("subnet", c.subnet().text());
        m.put("module_hash", c.moduleHash().map(Object::toString).orElse(null));
        m.put("live_canister", c.liveCanister().text());
        m.put("added_at", c.addedAt().toString());
        m.put("user_backups_allowed", c.userBackupsAllowed());
        return m;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Protects a canister. Asks the IC (read_state, no controller rights needed) that the canister"
                    + " exists and records its subnet and module hash; nothing is recorded if it does not."})
    static final class Add implements Callable<Integer> {
        @ParentCommand
        CanisterCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CANISTER_ID", description = "the canister's principal, e.g. rrkah-fqaaa-aaaaa-aaaaq-cai")
        String canisterId;

        @Option(names = "--name", paramLabel = "NAME", description = "a name to refer to it by (unique)")
        String name;

        @Override
        public Integer call() {
            PrincipalId id = PrincipalId.parse(canisterId);
            CanisterRepository canisters = new CanisterRepository();
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                var db = session.database();
                if (db.inTransaction(tx -> canisters.findActive(tx, id)).isPresent()) {
                    throw new CommandFailure(ExitCodes.FAILURE, "canister " + id + " is already protected");
                }
                CanisterInfo info = session.gateway().canisterInfo(id);
                String actor = session.identity().principal().text();
                ProtectedCanister added;
                try {
                    added = db.inTransaction(tx -> {
                        new SubnetRepository().recordSeen(tx, info.subnet());
                        ProtectedCanister c = canisters.add(tx, id, name, info.subnet(), info.moduleHash().orElse(null));
                        Map<String, Object> detail = new LinkedHashMap<>();
                        detail.put("name", name);
                        detail.put("subnet", info.subnet().text());
                        detail.put("module_hash", info.moduleHash().map(Object::toString).orElse(null));
                        detail.put("network", session.network().url().toString());
                        new AuditLog().record(tx, actor, "canister.add", id.text(), detail);
                        return c;
                    });
                } catch (StaleStateException e) {
                    throw new CommandFailure(ExitCodes.FAILURE, "canister " + id + " is already protected");
                } catch (org.replicator.coordinator.store.ConstraintViolation e) {
                    if ("canisters_active_name".equals(e.constraint())) {
                        throw new CommandFailure(ExitCodes.FAILURE, "another protected canister is already named '" + name
                                + "'; choose another --name");
                    }
                    throw e;
                }
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, toJson(added));
                } else {
                    out.println("protecting " + added.id() + added.name().map(n -> " (" + n + ")").orElse("")
                            + " on subnet " + added.subnet());
                    out.println("module hash: " + added.moduleHash().map(Object::toString).orElse("none (no code installed)"));
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the protected canisters.")
    static final class ListCanisters implements Callable<Integer> {
        @ParentCommand
        CanisterCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                List<ProtectedCanister> all = session.database().inTransaction(tx -> new CanisterRepository().listActive(tx));
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    List<Map<String, Object>> rows = new ArrayList<>();
                    all.forEach(c -> rows.add(toJson(c)));
                    Output.json(out, rows);
                    return ExitCodes.OK;
                }
                if (all.isEmpty()) {
                    out.println("no protected canisters; add one with `replicator canister add <id>`");
                } else {
                    out.printf("%-27s  %-16s  %-63s  %s%n", "CANISTER", "NAME", "SUBNET", "MODULE HASH");
                    for (ProtectedCanister c : all) {
                        out.printf("%-27s  %-16s  %-63s  %s%n", c.id(), c.name().orElse("-"), c.subnet(),
                                c.moduleHash().map(h -> h.hex().substring(0, 16) + "…").orElse("-"));
                    }
                }
                out.flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Stops protecting a canister. Its runs, generations and costs stay in the history;"
                    + " its backup canisters are left as they are."})
    static final class Remove implements Callable<Integer> {
        @ParentCommand
        CanisterCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CANISTER", description = "the canister's id or name")
        String canister;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                CanisterRepository canisters = new CanisterRepository();
                String actor = session.identity().principal().text();
                ProtectedCanister removed = session.database().inTransaction(tx -> {
                    ProtectedCanister c = canisters.findActiveByIdOrName(tx, canister).orElseThrow(() ->
                            new CommandFailure(ExitCodes.FAILURE, "no protected canister is called " + canister
                                    + "; see `replicator canister list`"));
                    canisters.markRemoved(tx, c.id());
                    new AuditLog().record(tx, actor, "canister.remove", c.id().text(), Map.of());
                    return c;
                });
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, toJson(removed));
                } else {
                    out.println("no longer protecting " + removed.id());
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "allow-users", mixinStandardHelpOptions = true,
            description = {"Lets the canister's users ask for backup canisters of their own (`replicator user request`,"
                    + " POST /api/users/{p}/backups), or with --off stops new requests; backups already made are kept."})
    static final class AllowUsers implements Callable<Integer> {
        @ParentCommand
        CanisterCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CANISTER", description = "the canister's id or name")
        String canister;

        @Option(names = "--off", description = "refuse users' requests from now on")
        boolean off;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                CanisterRepository canisters = new CanisterRepository();
                String actor = session.identity().principal().text();
                ProtectedCanister changed = session.database().inTransaction(tx -> {
                    ProtectedCanister c = canisters.findActiveByIdOrName(tx, canister).orElseThrow(() ->
                            new CommandFailure(ExitCodes.FAILURE, "no protected canister is called " + canister
                                    + "; see `replicator canister list`"));
                    canisters.setUserBackupsAllowed(tx, c.id(), !off);
                    new AuditLog().record(tx, actor, "canister.user_backups", c.id().text(), Map.of("allowed", !off));
                    return canisters.findActive(tx, c.id()).orElseThrow();
                });
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, toJson(changed));
                } else {
                    out.println(changed.id() + (off ? " no longer takes" : " takes") + " users' requests for backup"
                            + " canisters of their own");
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }
}
