package io.waymark.testkit;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A promotion by an outside actor, the way an operator script or an orchestrator promotes a
 * replica when there is no Sentinel: from the network only (it probes the servers, it knows
 * nothing about their processes), on the fixture's scheduler thread, after a delay. Started by
 * {@link RedisReplication#promoteBestReplica}, {@link RedisReplication#promoteWhenMasterFails},
 * {@link MariaDbReplication#promoteBestReplica} or {@link MariaDbReplication#promoteWhenPrimaryFails}.
 *
 * <p>In order: (when watching) probe the writable node every {@value #PROBE_INTERVAL_MS} ms with
 * a {@value #PROBE_TIMEOUT_MS} ms timeout until {@value #FAILED_PROBES} probes in a row fail;
 * wait the delay; promote the replica that has the most of the old writable node's data (Redis:
 * replication offset; MariaDB: GTID received and applied) and repoint the others; then, like an
 * orchestrator, keep probing the old node and demote (Redis: {@code REPLICAOF}) or fence (MariaDB:
 * {@code read_only}) it as soon as it answers again, e.g. after a thaw. Between its return and
 * that demotion a thawed node still takes writes: that is the window a client has to guard.
 *
 * <p>Threading: thread-safe. The work runs on the fixture's scheduler; {@link #cancel()} and the
 * fixture's {@code close()} stop it.
 *
 * @param <N> the node type, {@link RedisNode} or {@link MariaDbNode}
 */
public final class Promotion<N> {

    static final long PROBE_INTERVAL_MS = 100;
    static final long PROBE_TIMEOUT_MS = 500;
    static final Duration PROBE_TIMEOUT = Duration.ofMillis(PROBE_TIMEOUT_MS);
    static final int FAILED_PROBES = 2;

    /** What a fixture does for its outside promoter; each call bounded by short timeouts. */
    interface Actor<N> {

        /** Whether the writable node answers a probe. */
        boolean writableAnswers();

        /** Promotes the best replica and repoints the others; fails when none answers. */
        Promoted<N> promoteBest();

        /** Demotes or fences {@code old} if it answers; true once nothing is left to do. */
        boolean fenceOld(N old);
    }

    /** The promoted node, the node it replaced, and when it became writable (nanoTime). */
    record Promoted<N>(N node, N old, long atNanos) {}

    private final String name;
    private final Actor<N> actor;
    private final ScheduledExecutorService scheduler;
    private final CompletableFuture<Promoted<N>> result = new CompletableFuture<>();
    private final boolean watching;
    /** The next step; guarded by this. */
    private ScheduledFuture<?> next;
    /** Guarded by this. */
    private boolean cancelled;
    /** Guarded by this: once set, the promotion runs to its end and cancel only stops the fencing. */
    private boolean promoting;
    /** Failed probes in a row; touched by the one step running at a time only. */
    private int failures;

    private Promotion(String name, Actor<N> actor, ScheduledExecutorService scheduler, boolean watching) {
        this.name = name;
        this.actor = actor;
        this.scheduler = scheduler;
        this.watching = watching;
    }

    /** Promotes {@code delay} from now; cancelled by {@code resources}' close. */
    static <N> Promotion<N> after(String name, Duration delay, Actor<N> actor, FixtureResources resources) {
        Promotion<N> p = new Promotion<>(name, actor, resources.scheduler(), false);
        resources.beforeStop(p::cancel);
        p.schedule(() -> p.promote(), Checks.nonNegative("delay", delay).toNanos());
        return p;
    }

    /** Promotes {@code delay} after the writable node stopped answering. */
    static <N> Promotion<N> whenWritableFails(String name, Duration delay, Actor<N> actor,
            FixtureResources resources) {
        Checks.nonNegative("delay", delay);
        Promotion<N> p = new Promotion<>(name, actor, resources.scheduler(), true);
        resources.beforeStop(p::cancel);
        p.schedule(() -> p.watch(delay), 0);
        return p;
    }

    /**
     * Waits for the promotion; returns the promoted node.
     *
     * @throws IllegalStateException when it did not happen within {@code timeout}, failed (the
     *     cause attached) or was cancelled
     */
    public N await(Duration timeout) {
        Checks.nonNegative("timeout", timeout);
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS).node();
        } catch (TimeoutException e) {
            throw new IllegalStateException(name + ": no promotion within " + timeout.toMillis() + " ms"
                    + (watching ? " (waiting for the writable node to fail, then the delay)" : ""));
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (CancellationException e) {
            throw new IllegalStateException(name + " was cancelled before it promoted");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    /** Whether it promoted, failed or was cancelled. */
    public boolean isDone() {
        return result.isDone();
    }

    /**
     * When the promoted node became writable, as a {@link System#nanoTime()} value, e.g. to measure
     * a client's gap after the promotion.
     *
     * @throws IllegalStateException before the promotion
     */
    public long promotedAtNanos() {
        Promoted<N> p = result.getNow(null);
        if (p == null || result.isCompletedExceptionally()) {
            throw new IllegalStateException(name + " has not promoted");
        }
        return p.atNanos();
    }

    /**
     * Stops it: before the promotion nothing is promoted ({@link #await} then fails); once the
     * promotion has begun it completes, and only the watch on the old node stops. Idempotent.
     */
    public void cancel() {
        boolean begun;
        synchronized (this) {
            cancelled = true;
            if (next != null) {
                next.cancel(false);
            }
            begun = promoting;
        }
        if (!begun) {
            result.cancel(false);
        }
    }

    private void watch(Duration delay) {
        boolean answers;
        try {
            answers = actor.writableAnswers();
        } catch (RuntimeException e) {
            answers = false;
        }
        failures = answers ? 0 : failures + 1;
        if (failures >= FAILED_PROBES) {
            schedule(this::promote, delay.toNanos());
        } else {
            schedule(() -> watch(delay), TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS));
        }
    }

    private void promote() {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            promoting = true;
        }
        Promoted<N> p;
        try {
            p = actor.promoteBest();
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
            return;
        }
        result.complete(p);
        schedule(() -> fence(p.old()), 0);
    }

    private void fence(N old) {
        boolean done;
        try {
            done = actor.fenceOld(old);
        } catch (RuntimeException e) {
            done = false;
        }
        if (!done) {
            schedule(() -> fence(old), TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS));
        }
    }

    /** Runs {@code step} after {@code delayNanos} unless cancelled; one step at a time. */
    private synchronized void schedule(Runnable step, long delayNanos) {
        if (cancelled) {
            return;
        }
        try {
            next = scheduler.schedule(step, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the fixture is closing
            cancelled = true;
            if (!promoting) {
                result.cancel(false);
            }
        }
    }

    @Override
    public String toString() {
        String state = result.isCompletedExceptionally() ? (result.isCancelled() ? "cancelled" : "failed")
                : result.isDone() ? "promoted " + result.getNow(null).node() : watching ? "watching" : "pending";
        return "Promotion[" + name + ", " + state + "]";
    }
}
