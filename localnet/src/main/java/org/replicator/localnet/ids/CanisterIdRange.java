package org.replicator.localnet.ids;

/** A closed interval of canister ids, compared bytewise as the IC's routing table does. */
public record CanisterIdRange(Principal start, Principal end) {
    public CanisterIdRange {
        if (start.compareTo(end) > 0) {
            throw new IllegalArgumentException("range start " + start + " is after its end " + end);
        }
    }

    public boolean contains(Principal id) {
        return start.compareTo(id) <= 0 && id.compareTo(end) <= 0;
    }

    /** The range of canister indices [first, last]. */
    public static CanisterIdRange ofIndices(long first, long last) {
        return new CanisterIdRange(Principal.canister(first), Principal.canister(last));
    }
}
