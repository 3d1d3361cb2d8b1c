package org.replicator.localnet.control;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.replicator.localnet.LocalNet;
import org.replicator.localnet.canister.CanisterLog;
import org.replicator.localnet.canister.CanisterMetrics;
import org.replicator.localnet.canister.CanisterState;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.network.FaultRule;
import org.replicator.localnet.subnet.Subnet;

/**
 * The localnet's control interface for tests and operators: halt and resume subnets, move time
 * forward, inject faults into cross-subnet traffic, and read per-canister metrics. Canisters and
 * agents never see it; it exists to set up scenarios and to observe them.
 */
public final class LocalNetControl {
    private final LocalNet net;

    public LocalNetControl(LocalNet net) {
        this.net = net;
    }

    /** Stops a subnet making progress: no rounds run; calls to it wait; queries are refused. */
    public void halt(int subnetIndex) {
        net.subnet(subnetIndex).halt();
    }

    public void resume(int subnetIndex) {
        net.subnet(subnetIndex).resume();
    }

    public boolean isHalted(int subnetIndex) {
        return net.subnet(subnetIndex).isHalted();
    }

    /** Moves the network's clock forward, e.g. to fire timers without waiting. */
    public void advanceTime(Duration d) {
        net.clock().advance(d);
        net.subnets().forEach(Subnet::wake);
    }

    public void addFault(FaultRule rule) {
        net.faults().add(rule);
    }

    public boolean removeFault(String name) {
        return net.faults().remove(name);
    }

    public void clearFaults() {
        net.faults().clear();
    }

    public List<FaultRule> faults() {
        return net.faults().rules();
    }

    /** The report of one canister, if it exists. */
    public Optional<CanisterReport> canister(Principal canisterId) {
        Optional<Subnet> subnet = net.subnetOf(canisterId);
        if (subnet.isEmpty()) {
            return Optional.empty();
        }
        return subnet.get().inspect(s -> Optional.ofNullable(s.canisters().get(canisterId)).map(c -> report(s, c)));
    }

    /** Reports of every canister on every subnet. */
    public List<CanisterReport> canisters() {
        List<CanisterReport> out = new ArrayList<>();
        for (Subnet subnet : net.subnets()) {
            out.addAll(subnet.inspect(s -> s.canisters().values().stream().map(c -> report(s, c)).toList()));
        }
        return out;
    }

    private static CanisterReport report(Subnet s, CanisterState c) {
        CanisterMetrics m = c.metrics().copy();
        long heap = c.isEmpty() ? 0 : (long) c.runtime().heap().pages() * 65536;
        long stable = c.isEmpty() ? 0 : c.runtime().stable().sizePages() * 65536;
        long module = c.isEmpty() ? 0 : c.runtime().module().size();
        List<String> logs = c.log().entries().stream().map(CanisterLog.Entry::text).toList();
        return new CanisterReport(c.id(), s.id(), c.status().label(), c.balance(), m.messagesExecuted,
                m.instructionsExecuted, m.cyclesForExecution, m.cyclesForIngress, m.cyclesForCalls, m.cyclesForStorage,
                m.cyclesSent, m.cyclesReceived, m.cyclesBurned, heap, stable, module, logs);
    }
}
