package org.replicator.coordinator.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.coordinator.costs.FeeTable;
import org.replicator.coordinator.ids.PrincipalId;
import org.replicator.coordinator.store.UserEntry;
import org.replicator.coordinator.users.StorageBilling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** `replicator user bill`: one billing sweep now, as `replicator serve` runs every --billing-interval. */
@Command(name = "bill", mixinStandardHelpOptions = true,
        description = {"Runs one billing sweep now: charges each user for the storage their backup canisters used"
                + " since the last reading (measured from the canister's balance, with the fee table's estimate),"
                + " and deletes the generations of users paused past their deletion date. Prints what it did."})
final class UserBillCommand implements Callable<Integer> {
    @ParentCommand
    UserCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--subnet-size", paramLabel = "NODES",
            description = "the subnet size the storage estimates are scaled to (default: the fee table's reference, 13)")
    Long subnetSize;

    @Override
    public Integer call() {
        FeeTable fees = FeeTable.load();
        long nodes = subnetSize == null ? fees.referenceSubnetSize() : subnetSize;
        if (nodes < 1) {
            throw new CommandFailure(ExitCodes.USAGE, "--subnet-size must be at least 1, not " + nodes);
        }
        try (Session session = new Session(parent.root, spec.commandLine().getErr())) {
            StorageBilling.Sweep sweep = parent.withUsers(session, users -> new StorageBilling(session.database(),
                    session.gateway(), fees, nodes, users.accounts(), users.schedules())
                    .sweep(session.identity().principal().text()));
            PrintWriter out = spec.commandLine().getOut();
            if (session.json()) {
                Output.json(out, toJson(sweep));
            } else {
                print(out, sweep);
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    static BigInteger total(StorageBilling.Sweep sweep) {
        return sweep.charged().stream().map(UserEntry::amount).reduce(BigInteger.ZERO, BigInteger::add);
    }

    private static void print(PrintWriter out, StorageBilling.Sweep s) {
        if (s.charged().isEmpty() && s.firstReadings().isEmpty() && s.skipped().isEmpty() && s.deleted().isEmpty()
                && s.dueWithoutNotice().isEmpty()) {
            out.println("nothing to bill: no user holds a backup canister");
            return;
        }
        for (UserEntry e : s.charged()) {
            out.println("charged " + e.principal() + " " + e.amount() + " cycles for the storage of "
                    + e.replica().orElseThrow() + " from " + e.periodStart().orElseThrow() + " to "
                    + e.periodEnd().orElseThrow() + " (estimate " + e.estimate().orElseThrow() + "; "
                    + e.bytes().orElseThrow() + " bytes on average, " + e.byteSeconds().orElseThrow() + " byte-seconds)");
        }
        for (StorageBilling.Reading r : s.firstReadings()) {
            out.println("first reading of " + r.replica() + " (user " + r.user() + "): balance " + r.balance()
                    + " cycles, " + r.bytes() + " bytes; the next sweep charges from here");
        }
        for (StorageBilling.Skipped k : s.skipped()) {
            out.println("skipped " + k.replica() + " (user " + k.user() + "): " + k.reason());
        }
        for (StorageBilling.Deletion d : s.deleted()) {
            out.println("deleted " + d.generations().size() + " generations of " + d.replica() + " (user " + d.user()
                    + ", paused past its deletion date " + d.dueAt() + ")");
        }
        for (PrincipalId u : s.dueWithoutNotice()) {
            out.println("user " + u + " is past their deletion date but was given no deletion notice since they were"
                    + " paused: nothing of theirs was deleted");
        }
        out.println("total charged: " + total(s) + " cycles in " + s.charged().size() + " storage entries");
    }

    private static Map<String, Object> toJson(StorageBilling.Sweep s) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("charged", s.charged().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("entry", e.id());
            m.put("user", e.principal().text());
            m.put("replica", e.replica().orElseThrow().text());
            m.put("amount", e.amount().toString());
            m.put("estimate", e.estimate().orElseThrow().toString());
            m.put("period_start", e.periodStart().orElseThrow().toString());
            m.put("period_end", e.periodEnd().orElseThrow().toString());
            m.put("bytes", e.bytes().orElseThrow());
            m.put("byte_seconds", e.byteSeconds().orElseThrow().toString());
            return m;
        }).toList());
        doc.put("first_readings", s.firstReadings().stream().map(r -> Map.of("user", r.user().text(), "replica",
                r.replica().text(), "at", r.at().toString(), "balance", r.balance().toString(), "bytes", r.bytes()))
                .toList());
        doc.put("skipped", s.skipped().stream().map(k -> Map.of("user", k.user().text(), "replica", k.replica().text(),
                "reason", k.reason())).toList());
        doc.put("deleted", s.deleted().stream().map(d -> Map.of("user", d.user().text(), "replica", d.replica().text(),
                "deletion_due_at", d.dueAt().toString(), "generations", d.generations(),
                "dropped_in_canister", d.droppedInCanister())).toList());
        doc.put("due_without_notice", s.dueWithoutNotice().stream().map(PrincipalId::text).toList());
        doc.put("total_charged", total(s).toString());
        return doc;
    }
}
