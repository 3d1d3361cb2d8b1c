package org.replicator.coordinator.costs;

import java.util.function.Supplier;

/**
 * The engine's way of calling the IC: retried with backoff while the failure may pass. Cost
 * measurement goes through it so a balance read behaves like every other call of the run.
 */
@FunctionalInterface
public interface Retrier {
    <T> T retrying(String what, Supplier<T> call);
}
