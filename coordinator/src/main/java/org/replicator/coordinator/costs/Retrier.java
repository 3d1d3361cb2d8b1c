package org.replicator.coordinator.costs;

import java.util.function.Supplier;

/**
 * The engine's way of calling the IC: retried with backoff while the failure may pass. Cost
 * measurement goes through it so a balance read behaves like every other call of the run.
 */
@FunctionalInterface
public interface Retrier {
    /** Calls once, retrying nothing: for a command that reports a failure at once. */
    Retrier ONCE = new Retrier() {
        @Override
        public <T> T retrying(String what, Supplier<T> call) {
            return call.get();
        }
    };

    <T> T retrying(String what, Supplier<T> call);
}
