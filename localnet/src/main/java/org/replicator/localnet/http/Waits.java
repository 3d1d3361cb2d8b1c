package org.replicator.localnet.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waiting on the core's futures with a deadline, without cancelling them (others may share them). */
final class Waits {
    private Waits() {
    }

    /** The future's value if it completes normally within {@code limit}. */
    static <T> Optional<T> upTo(CompletableFuture<T> future, Duration limit) {
        try {
            return Optional.ofNullable(future.get(limit.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
