package io.waymark.redis.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs topology checks one at a time. A request made while one runs is served by the next,
 * which every request made meanwhile shares (and which asks Consul again if any of them did),
 * so that a burst of evidence from failed commands costs one more check, not one per command.
 *
 * <p><b>Threading:</b> thread-safe; the only lock guards the hand-over between checks and is
 * never held while one runs.
 */
final class ReconcileLoop<T> {

    /** One check; {@code refreshConsul}: ask Consul rather than take the watch's last answer. */
    interface Check<T> {
        CompletableFuture<T> run(boolean refreshConsul);
    }

    private final Executor executor;
    private final Check<T> check;
    /** What a request gets when the check failed or the loop stopped: the current state. */
    private final Supplier<T> current;
    private final Consumer<Throwable> onFailure;
    private final Object lock = new Object();
    private CompletableFuture<T> running;
    private CompletableFuture<T> next;
    private boolean nextRefresh;
    private boolean stopped;

    ReconcileLoop(Executor executor, Check<T> check, Supplier<T> current, Consumer<Throwable> onFailure) {
        this.executor = executor;
        this.check = check;
        this.current = current;
        this.onFailure = onFailure;
    }

    /** A check that starts after this call; completes with the state after it. */
    CompletableFuture<T> request(boolean refreshConsul) {
        CompletableFuture<T> start;
        synchronized (lock) {
            if (stopped) {
                return CompletableFuture.completedFuture(current.get());
            }
            if (running != null) {
                if (next == null) {
                    next = new CompletableFuture<>();
                }
                nextRefresh |= refreshConsul;
                return next;
            }
            running = new CompletableFuture<>();
            start = running;
        }
        launch(start, refreshConsul);
        return start;
    }

    /** No check starts any more; requests complete at once with the current state. */
    void stop() {
        synchronized (lock) {
            stopped = true;
        }
    }

    boolean stopped() {
        synchronized (lock) {
            return stopped;
        }
    }

    private void launch(CompletableFuture<T> target, boolean refresh) {
        try {
            executor.execute(() -> check.run(refresh).whenComplete((v, e) -> finish(target, e)));
        } catch (RuntimeException rejected) {
            finish(target, null);
        }
    }

    private void finish(CompletableFuture<T> done, Throwable failure) {
        if (failure != null) {
            onFailure.accept(failure);
        }
        CompletableFuture<T> following;
        boolean refresh;
        synchronized (lock) {
            following = next;
            refresh = nextRefresh;
            next = null;
            nextRefresh = false;
            running = following;
        }
        done.complete(current.get());
        if (following != null) {
            launch(following, refresh);
        }
    }
}
