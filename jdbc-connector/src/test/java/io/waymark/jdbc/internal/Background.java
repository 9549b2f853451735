package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test's other actor: once a condition holds (polled every millisecond, for at most
 * {@value #BOUND_SECONDS} s), it acts, e.g. Consul catching up while the connection under test
 * waits. {@link #join()} fails the test when the condition never held or the action threw.
 */
final class Background {

    static final int BOUND_SECONDS = 10;

    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Background(Callable<Boolean> condition, Runnable action) {
        thread = new Thread(() -> {
            try {
                await().atMost(Duration.ofSeconds(BOUND_SECONDS)).pollInterval(Duration.ofMillis(1))
                        .pollDelay(Duration.ZERO).until(condition);
                action.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "test-background");
        thread.setDaemon(true);
    }

    /** Starts a thread that runs {@code action} once {@code condition} holds. */
    static Background when(Callable<Boolean> condition, Runnable action) {
        Background b = new Background(condition, action);
        b.thread.start();
        return b;
    }

    /** Waits for the action; fails when the condition never held or the action failed. */
    void join() throws InterruptedException {
        thread.join(Duration.ofSeconds(BOUND_SECONDS + 5).toMillis());
        assertThat(thread.isAlive()).as("background action still waiting").isFalse();
        assertThat(failure.get()).as("background action").isNull();
    }
}
