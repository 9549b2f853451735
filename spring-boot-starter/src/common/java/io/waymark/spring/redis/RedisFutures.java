package io.waymark.spring.redis;

import io.lettuce.core.RedisFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A {@link RedisFuture} over a {@link CompletableFuture}, for the Pub/Sub facade's commands. */
final class RedisFutures<T> extends CompletableFuture<T> implements RedisFuture<T> {

    static <T> RedisFuture<T> of(CompletableFuture<T> source) {
        RedisFutures<T> f = new RedisFutures<>();
        source.whenComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f;
    }

    @Override
    public String getError() {
        if (!isCompletedExceptionally()) {
            return null;
        }
        try {
            join();
            return null;
        } catch (RuntimeException e) {
            return String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            get(timeout, unit);
            return true;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
