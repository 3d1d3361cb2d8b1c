package org.replicator.coordinator.agent;

import java.util.Arrays;
import org.replicator.coordinator.ids.PrincipalId;

/**
 * An inclusive range of canister ids a subnet hosts. The IC orders canister ids as byte strings
 * (lexicographically, shorter first on a common prefix), which is what {@link #contains} does.
 */
public record CanisterRange(PrincipalId start, PrincipalId end) {

    public boolean contains(PrincipalId canister) {
        return compare(start.bytes(), canister.bytes()) <= 0 && compare(canister.bytes(), end.bytes()) <= 0;
    }

    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
