package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.replicator.coordinator.costs.BalanceProbe;
import org.replicator.coordinator.costs.Retrier;
import org.replicator.coordinator.funding.CyclesFunding;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.protocol.AppReplicationClient;
import org.replicator.coordinator.replica.ReplicaProvisioner;
import org.replicator.coordinator.replica.ReplicaTopUp;
import org.replicator.coordinator.store.CanisterRepository;
import org.replicator.coordinator.store.ProtectedCanister;
import org.replicator.coordinator.store.Replica;
import org.replicator.coordinator.store.ReplicaRepository;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "replica", mixinStandardHelpOptions = true,
        description = "Manages backup canisters (replicas) of protected canisters.",
        subcommands = {ReplicaCommand.Create.class, ReplicaCommand.ListReplicas.class, ReplicaCommand.Drop.class,
                ReplicaCommand.TopUp.class})
final class ReplicaCommand implements Runnable {
    @ParentCommand
    Replicator root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, Object> toJson(Replica r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id().text());
        m.put("source", r.source().text());
        m.put("subnet", r.subnet().text());
        m.put("status", r.status().name().toLowerCase());
        m.put("wasm_hash", r.wasmHash().map(Object::toString).orElse(null));
        m.put("same_subnet_forced", r.sameSubnetForced());
        m.put("created_at", r.createdAt().toString());
        return m;
    }

    /** Provisional cycles on any network but the IC mainnet, where cycles are bought. */
    static CyclesFunding funding(Session session) {
        return CyclesFunding.forNetwork(session.gateway());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Creates a backup canister for CANISTER on another subnet, installs the backup canister"
                    + " wasm, and adds it to CANISTER's replication allow-list. The identity must control CANISTER."})
    static final class Create implements Callable<Integer> {
        @ParentCommand
        ReplicaCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CANISTER", description = "the protected canister's id or name")
        String canister;

        @Option(names = "--subnet", paramLabel = "SUBNET", description = "the subnet to create it on (default: chosen)")
        String subnet;

        @Option(names = "--force-same-subnet", description = "allow the source canister's own subnet")
        boolean forceSameSubnet;

        @Option(names = "--parallelism", paramLabel = "N", description = "chunk reads in flight (default 4)")
        Integer parallelism;

        @Option(names = "--cycles", paramLabel = "C", description = "initial balance (default 3000000000000)")
        BigInteger cycles = BigInteger.valueOf(3_000_000_000_000L);

        @Option(names = "--cycles-per-run", paramLabel = "C", description = "most a run may spend (default 2 T)")
        BigInteger cyclesPerRun;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                PrintWriter err = spec.commandLine().getErr();
                ReplicaProvisioner provisioner = new ReplicaProvisioner(session.database(), session.gateway(),
                        funding(session), new AppReplicationClient(session.gateway()));
                Replica r = provisioner.create(new ReplicaProvisioner.Request(canister,
                        Optional.ofNullable(subnet).map(PrincipalId::parse), forceSameSubnet, parallelism, cycles,
                        cyclesPerRun), session.identity().principal().text(), step -> {
                            err.println("… " + step);
                            err.flush();
                        });
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, toJson(r));
                } else {
                    out.println("replica " + r.id() + " of " + r.source() + " on subnet " + r.subnet() + " is active");
                    out.println("backup canister wasm: " + r.wasmHash().map(Object::toString).orElse("-"));
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the replicas of every protected canister.")
    static final class ListReplicas implements Callable<Integer> {
        @ParentCommand
        ReplicaCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                List<Replica> all = session.database().inTransaction(tx -> {
                    List<Replica> rs = new ArrayList<>();
                    for (ProtectedCanister c : new CanisterRepository().listActive(tx)) {
                        rs.addAll(new ReplicaRepository().listLive(tx, c.id()));
                    }
                    return rs;
                });
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, all.stream().map(ReplicaCommand::toJson).toList());
                    return ExitCodes.OK;
                }
                if (all.isEmpty()) {
                    out.println("no replicas; create one with `replicator replica create <canister>`");
                } else {
                    out.printf("%-27s  %-27s  %-10s  %s%n", "REPLICA", "SOURCE", "STATUS", "SUBNET");
                    for (Replica r : all) {
                        out.printf("%-27s  %-27s  %-10s  %s%n", r.id(), r.source(), r.status().name().toLowerCase(),
                                r.subnet() + (r.sameSubnetForced() ? " (same as source, forced)" : ""));
                    }
                }
                out.flush();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "drop", mixinStandardHelpOptions = true,
            description = {"Stops using a replica: takes it off its source's allow-list and marks it dropped. The"
                    + " canister and its generations are left on the IC."})
    static final class Drop implements Callable<Integer> {
        @ParentCommand
        ReplicaCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "REPLICA", description = "the replica's canister id")
        String replica;

        @Override
        public Integer call() {
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                ReplicaProvisioner provisioner = new ReplicaProvisioner(session.database(), session.gateway(),
                        funding(session), new AppReplicationClient(session.gateway()));
                Replica r = provisioner.drop(PrincipalId.parse(replica), session.identity().principal().text());
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Output.json(out, toJson(r));
                } else {
                    out.println("dropped replica " + r.id() + " of " + r.source());
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "top-up", mixinStandardHelpOptions = true,
            description = {"Adds cycles to a replica's backup canister from the network's funding source (provisional"
                    + " cycles on a local network; not yet on the IC mainnet), records them in the cycle ledger and"
                    + " the audit log, and prints the balance before and after. A run paused for LOW_CYCLES goes on"
                    + " with the next `replicator replicate`."})
    static final class TopUp implements Callable<Integer> {
        @ParentCommand
        ReplicaCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "REPLICA", description = "the replica's canister id")
        String replica;

        @Option(names = "--cycles", paramLabel = "C", required = true, description = "how many cycles to add (at least 1)")
        BigInteger cycles;

        @Override
        public Integer call() {
            if (cycles.signum() <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--cycles must be at least 1, not "
                        + cycles);
            }
            PrincipalId id = PrincipalId.parse(replica);
            try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
                // everything that can refuse is asked before the network is: the database, then the funding source
                Replica r = ReplicaTopUp.target(session.database(), id, cycles);
                CyclesFunding funding = funding(session);
                funding.checkCanTopUp();
                BalanceProbe probe = new BalanceProbe(session.gateway());
                BalanceProbe.Balance before = probe.read(id, Retrier.ONCE);
                new ReplicaTopUp(session.database(), funding).topUp(r, cycles, null,
                        session.identity().principal().text(), "replicator replica top-up");
                BalanceProbe.Balance after = probe.read(id, Retrier.ONCE);
                PrintWriter out = spec.commandLine().getOut();
                if (session.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("replica", r.id().text());
                    m.put("source", r.source().text());
                    m.put("cycles", cycles.toString());
                    m.put("funding", funding.describe());
                    m.put("before", known(before));
                    m.put("after", known(after));
                    m.put("balance_unreadable", unreadable(before).or(() -> unreadable(after)).orElse(null));
                    Output.json(out, m);
                } else {
                    out.println("topped up replica " + r.id() + " of " + r.source() + " by " + cycles + " cycles ("
                            + funding.describe() + ")");
                    out.println("balance before: " + describe(before) + ", after: " + describe(after));
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }

        private static String known(BalanceProbe.Balance b) {
            return b instanceof BalanceProbe.Known k ? k.cycles().toString() : null;
        }

        private static Optional<String> unreadable(BalanceProbe.Balance b) {
            return b instanceof BalanceProbe.Unreadable u ? Optional.of(u.reason()) : Optional.empty();
        }

        private static String describe(BalanceProbe.Balance b) {
            return b instanceof BalanceProbe.Known k ? k.cycles().toString()
                    : "- (" + ((BalanceProbe.Unreadable) b).reason() + ")";
        }
    }
}
