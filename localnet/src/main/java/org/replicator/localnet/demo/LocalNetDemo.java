package org.replicator.localnet.demo;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.LocalNetConfig;
import org.replicator.localnet.control.CanisterReport;
import org.replicator.localnet.cycles.FeeSchedule;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.subnet.Subnet;
import org.replicator.localnet.testing.IcClient;
import org.replicator.localnet.testing.TestCanisters;
import org.replicator.localnet.testing.Universal;

/**
 * Shows the localnet at work: three subnets, a real canister installed on two of them, an update
 * and a query through the IC's HTTP interface (ic4j-agent, certificates verified), a call from one
 * subnet to another carrying a megabyte, and what each canister was charged by the fee table.
 * Exits with 1 if any check fails.
 */
public final class LocalNetDemo {
    private final List<String> failures = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new LocalNetDemo().run() ? 0 : 1);
    }

    private boolean run() {
        step("Starting a localnet with 3 subnets (embedded, temporary state)");
        try (LocalNet net = LocalNet.start(LocalNetConfig.defaults()); IcClient ic = IcClient.forNet(net)) {
            System.out.println("  HTTP interface: " + net.url() + "   root key: "
                    + HexFormat.of().formatHex(net.rootKeyDer()).substring(0, 24) + "...");
            for (Subnet s : net.subnets()) {
                System.out.printf("  subnet %d (%s)  %s%n", s.index(), s.config().type(), s.id());
            }

            step("Installing the universal canister (std Rust, compiled to wasm32) on subnets 0 and 1");
            Principal a = ic.deploy(0, TestCanisters.universal());
            Principal b = ic.deploy(1, TestCanisters.universal());
            System.out.println("  canister A on subnet 0: " + a);
            System.out.println("  canister B on subnet 1: " + b);

            step("Update call to A (certified reply checked by ic4j against the root key)");
            byte[] reply = ic.update(a, "update", Universal.program().push("hello, replicator").setStore()
                    .replyWith("stored").build());
            check("update reply", "stored", new String(reply, UTF_8));

            step("Query to A reads the state the update left");
            check("query reply", "hello, replicator",
                    new String(ic.query(a, "query", Universal.program().getStore().replyTop().build()), UTF_8));

            step("A calls B on another subnet; B answers with 1 MiB; A replies with the size it received");
            CanisterReport a0 = net.control().canister(a).orElseThrow();
            byte[] calleeProgram = Universal.program().repeat((byte) 42, 1 << 20).replyTop().build();
            long started = System.nanoTime();
            byte[] size = ic.update(a, "update", Universal.program()
                    .callNew(b, "update", Universal.program().argData().length().replyTop(),
                            Universal.program().rejectMessage().replyTop())
                    .callDataAppend(calleeProgram)
                    .callPerform().drop().build());
            long millis = (System.nanoTime() - started) / 1_000_000;
            check("bytes received across subnets", Integer.toString(1 << 20), Integer.toString(Universal.u32(size)));
            System.out.println("  round trip through both subnets' streams: " + millis + " ms");

            step("Cycles charged, by the IC's fee table (13-node subnet)");
            CanisterReport a1 = net.control().canister(a).orElseThrow();
            FeeSchedule fees = FeeSchedule.standard();
            long expectedCall = fees.callCost("update".length() + calleeProgram.length) + fees.transmissionCost(1 << 20);
            check("A's charge for the call (260K + 1K per byte each way)", Long.toString(expectedCall),
                    Long.toString(a1.cyclesForCalls() - a0.cyclesForCalls()));
            System.out.printf("  %-30s %14s %14s %14s %14s %16s%n", "canister", "ingress", "execution", "calls",
                    "storage", "balance");
            for (Principal c : List.of(a, b)) {
                CanisterReport r = net.control().canister(c).orElseThrow();
                System.out.printf("  %-30s %,14d %,14d %,14d %,14d %,16d%n", c, r.cyclesForIngress(),
                        r.cyclesForExecution(), r.cyclesForCalls(), r.cyclesForStorage(), r.balance());
            }
        } catch (RuntimeException e) {
            failures.add("the demo failed: " + e);
            e.printStackTrace();
        }
        System.out.println();
        if (failures.isEmpty()) {
            System.out.println("All checks passed.");
            return true;
        }
        failures.forEach(f -> System.out.println("FAILED: " + f));
        return false;
    }

    private static void step(String text) {
        System.out.println();
        System.out.println("== " + text);
    }

    private void check(String what, String expected, String actual) {
        boolean ok = expected.equals(actual);
        System.out.printf("  %s %s: %s%n", ok ? "ok " : "BAD", what, actual);
        if (!ok) {
            failures.add(what + ": expected " + expected + ", got " + actual);
        }
    }
}
