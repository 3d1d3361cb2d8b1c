package org.replicator.localnet.network;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.replicator.localnet.ids.Principal;
import org.replicator.localnet.messages.CanisterMessage;

/** The fault rules in force, consulted by a subnet for every message it inducts from a stream. */
public final class FaultInjector {
    private final List<FaultRule> rules = new CopyOnWriteArrayList<>();

    public void add(FaultRule rule) {
        rules.add(rule);
    }

    public boolean remove(String name) {
        return rules.removeIf(r -> r.name().equals(name));
    }

    public void clear() {
        rules.clear();
    }

    public List<FaultRule> rules() {
        return List.copyOf(rules);
    }

    /** The first matching rule that still may fire, already counted as fired. */
    public Optional<FaultRule> apply(Principal fromSubnet, Principal toSubnet, CanisterMessage m) {
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        for (FaultRule rule : rules) {
            if (rule.matches(fromSubnet, toSubnet, m) && rule.fire()) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }
}
