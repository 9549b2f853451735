package io.waymark.redis.internal;

import io.lettuce.core.RedisFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future handed to callers of the routed async API: completes once, after any retries.
 * Not final: a routed call extends it with its own retry state.
 */
class RoutedFuture<T> extends CompletableFuture<T> implements RedisFuture<T> {

    @Override
    public String getError() {
        if (!isCompletedExceptionally()) {
            return null;
        }
        try {
            join();
            return null;
        } catch (RuntimeException e) {
            Throwable c = Failures.unwrap(e);
            return c.getMessage();
        }
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
