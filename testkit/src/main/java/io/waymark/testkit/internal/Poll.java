package io.waymark.testkit.internal;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Bounded polling of a condition; the testkit's only way to wait for a server.
 *
 * <p>Threading: thread-safe; polls on the calling thread.
 */
public final class Poll {

    /** Thrown from a condition to stop polling at once (e.g. the process died). */
    public static final class Abort extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Abort(String message) {
            super(message);
        }
    }

    private Poll() {}

    /**
     * Polls {@code condition} every {@code interval} until it returns true; exceptions count as
     * "not yet". On timeout throws {@link IllegalStateException} with {@code describe}'s text and
     * the last exception seen.
     */
    public static void until(
            Duration timeout, Duration interval, Callable<Boolean> condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (Abort e) {
                throw new IllegalStateException(e.getMessage() + "\n" + describe.get(), e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                String cause = last == null ? "" : " (last error: " + last + ")";
                throw new IllegalStateException(
                        "timed out after " + timeout.toMillis() + " ms" + cause + ": " + describe.get(), last);
            }
            sleep(interval);
        }
    }

    public static void until(Duration timeout, Callable<Boolean> condition, Supplier<String> describe) {
        until(timeout, Duration.ofMillis(100), condition, describe);
    }

    /** Time left until {@code deadline} (a {@link System#nanoTime()} value), never negative. */
    public static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
