package org.replicator.localnet.http;

import java.util.HashSet;
import java.util.Set;
import org.replicator.localnet.ids.Principal;

/** The canisters a request may address: everything, or the intersection of its delegations' targets. */
public final class CanisterTargets {
    private static final CanisterTargets ALL = new CanisterTargets(null);

    private final Set<Principal> targets;

    private CanisterTargets(Set<Principal> targets) {
        this.targets = targets;
    }

    public static CanisterTargets all() {
        return ALL;
    }

    public static CanisterTargets of(Set<Principal> targets) {
        return new CanisterTargets(Set.copyOf(targets));
    }

    public boolean contains(Principal canisterId) {
        return targets == null || targets.contains(canisterId);
    }

    public boolean isAll() {
        return targets == null;
    }

    CanisterTargets intersect(CanisterTargets other) {
        if (targets == null) {
            return other;
        }
        if (other.targets == null) {
            return this;
        }
        Set<Principal> both = new HashSet<>(targets);
        both.retainAll(other.targets);
        return new CanisterTargets(both);
    }

    @Override
    public String toString() {
        return targets == null ? "all canisters" : targets.toString();
    }
}
