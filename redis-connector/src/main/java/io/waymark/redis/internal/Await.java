package io.waymark.redis.internal;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How every sync call waits, the way Lettuce's {@code awaitOrCancel} does: the failure of the
 * command as it is (unwrapped), and a future given up on (too long, or the caller interrupted)
 * is cancelled, so that a pinned connection whose reply may still come is closed rather than
 * handed to the next caller.
 */
final class Await {

    private Await() {
    }

    /**
     * The result of {@code f}, waiting at most {@code timeoutNanos} ({@code <= 0}: as long as it
     * takes, for commands that may block on the server as long as they were told to).
     *
     * @throws RuntimeException the command's own failure, unwrapped
     * @throws RedisCommandTimeoutException once the wait is over, saying the outcome is unknown
     * @throws RedisCommandInterruptedException if the caller was interrupted (its flag set again)
     */
    static <T> T get(Future<T> f, long timeoutNanos) {
        try {
            return await(f, timeoutNanos);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        }
    }

    /** {@link #get}, the command's own failure left in its {@link ExecutionException} for a retry decision. */
    static <T> T await(Future<T> f, long timeoutNanos) throws ExecutionException {
        try {
            return timeoutNanos > 0 ? f.get(timeoutNanos, TimeUnit.NANOSECONDS) : f.get();
        } catch (TimeoutException e) {
            f.cancel(true);
            throw Failures.outcomeUnknown(new RedisCommandTimeoutException("no reply within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"), "the caller stopped waiting");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new RedisCommandInterruptedException(e);
        }
    }

    /** What a sync caller gets for a failed command: Lettuce's exception as is. */
    static RuntimeException failure(Throwable err) {
        Throwable c = Failures.unwrap(err);
        return c instanceof RuntimeException ? (RuntimeException) c : new RedisException(c);
    }
}
