package org.replicator.localnet.certification;

import org.replicator.localnet.ids.Principal;

/**
 * Which canister ranges a delegation certificate shows, which depends on the endpoint: the flat
 * {@code /subnet/<id>/canister_ranges} for v2 endpoints and v3 calls (the only form ic4j 0.7.2 and
 * agent-js 3.x read), the one {@code /canister_ranges/<id>/<shard>} holding the effective canister
 * id for v4 calls, v3 canister read_state and v3 queries, and none for v3 subnet read_state.
 */
public sealed interface DelegationFormat {
    static DelegationFormat flat() {
        return Flat.INSTANCE;
    }

    static DelegationFormat shardFor(Principal effectiveCanisterId) {
        return new Shard(effectiveCanisterId);
    }

    static DelegationFormat withoutRanges() {
        return NoRanges.INSTANCE;
    }

    final class Flat implements DelegationFormat {
        private static final Flat INSTANCE = new Flat();

        private Flat() {
        }

        @Override
        public String toString() {
            return "flat";
        }
    }

    record Shard(Principal effectiveCanisterId) implements DelegationFormat {
    }

    final class NoRanges implements DelegationFormat {
        private static final NoRanges INSTANCE = new NoRanges();

        private NoRanges() {
        }

        @Override
        public String toString() {
            return "no ranges";
        }
    }
}
