package io.waymark.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a few blocking steps (container launches) side by side on short-lived named daemon threads,
 * and waits for all of them.
 *
 * <p>Threading: thread-safe; each call has its own threads, shut down before it returns.
 */
final class Parallel {

    /** Side by side at most: more only queue on the engine's disk. */
    private static final int THREADS = 4;

    private Parallel() {}

    /**
     * Runs every step, then rethrows the first failure (the others suppressed) once all have ended,
     * so that nothing a step started is still starting when the caller cleans up.
     */
    static void run(List<Runnable> steps, String threadName) {
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, steps.size()), r -> {
            Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (Runnable step : steps) {
                running.add(CompletableFuture.runAsync(step, pool));
            }
            Cleanup.runAll(running.stream().<Runnable>map(f -> () -> join(f)).toArray(Runnable[]::new));
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits for {@code step}; rethrows its failure as it was thrown. */
    private static void join(CompletableFuture<Void> step) {
        try {
            step.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }
}
