package io.waymark.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.support.AsyncObjectFactory;
import io.lettuce.core.support.BoundedAsyncPool;
import io.lettuce.core.support.BoundedPoolConfig;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A bounded pool of connections of their own, for what must not share the multiplexed
 * connection: blocking commands and {@code withWriteConnection}.
 *
 * <p>A connection goes back to the pool only once its command got a reply (an error reply
 * included). When the reply may still come (a timeout, a cancelled or interrupted caller, a
 * dropped connection), it is closed instead: a pop still blocked on the server would take the
 * next item pushed and hand it to a caller that is gone, and the next borrower would wait
 * behind it. Closing the connection makes the server drop the pop.
 *
 * <p><b>Threading:</b> thread-safe.
 *
 * @param <C> the connection type (a node's connection, or a cluster connection)
 */
final class PinnedPool<C extends StatefulConnection<?, ?>> {

    private final BoundedAsyncPool<C> pool;
    private final RetryPolicy policy;
    /** Where a command that was never sent waits for its next attempt; null: no next attempt. */
    private final ScheduledExecutorService scheduler;
    /** Connections handed out and not back yet: each goes back, or is closed, once. */
    private final Set<C> borrowed = ConcurrentHashMap.newKeySet();
    /** Connections on their way back that the pool must close rather than keep. */
    private final Set<C> discarded = ConcurrentHashMap.newKeySet();

    PinnedPool(Supplier<CompletionStage<C>> connector, int maxTotal, int maxIdle, RetryPolicy policy) {
        this(connector, maxTotal, maxIdle, policy, null);
    }

    /**
     * @param scheduler when not null, a command that was certainly never sent (a cluster connection's node
     *     connection still opening, which Lettuce 7 rejects at once) goes again on the same connection, within
     *     the failover budget
     */
    PinnedPool(Supplier<CompletionStage<C>> connector, int maxTotal, int maxIdle, RetryPolicy policy,
            ScheduledExecutorService scheduler) {
        this.policy = policy;
        this.scheduler = scheduler;
        // testOnRelease: a discarded connection fails validation on its way back, so the pool frees its
        // place at once (the next acquire must not find the pool exhausted) and closes it
        this.pool = new BoundedAsyncPool<>(new AsyncObjectFactory<C>() {
            @Override
            public CompletableFuture<C> create() {
                return connector.get().toCompletableFuture();
            }

            @Override
            public CompletableFuture<Void> destroy(C c) {
                discarded.remove(c);
                return c.closeAsync();
            }

            @Override
            public CompletableFuture<Boolean> validate(C c) {
                return CompletableFuture.completedFuture(c.isOpen() && !discarded.contains(c));
            }
        }, BoundedPoolConfig.builder().maxTotal(maxTotal).maxIdle(maxIdle).minIdle(0).testOnRelease().build());
    }

    /** A connection of its own; one that arrives after the returned future was cancelled goes back at once. */
    CompletableFuture<C> acquire() {
        CompletableFuture<C> out = new CompletableFuture<>();
        pool.acquire().whenComplete((c, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
                return;
            }
            borrowed.add(c);
            if (!out.complete(c)) {
                release(c);
            }
        });
        return out;
    }

    /** Back to the pool: its last command got its reply. */
    void release(C c) {
        if (borrowed.remove(c)) {
            pool.release(c);
        }
    }

    /** Closes it: a reply may still be on its way. */
    void discard(C c) {
        if (borrowed.remove(c)) {
            discarded.add(c);
            pool.release(c);
        }
    }

    /** Closes the idle connections now and the borrowed ones when they come back. */
    CompletableFuture<Void> closeAsync() {
        return pool.closeAsync();
    }

    /** What the caller of a failed pinned command gets: pinned commands are never sent again. */
    private Throwable failure(Throwable err) {
        return policy.failure(err, Failures.classify(err), RetryPolicy.Resend.NEVER, false);
    }

    /** Whether a failed command's connection is clean: the server answered, with an error. */
    static boolean replied(Throwable err) {
        return Failures.unwrap(err) instanceof RedisCommandExecutionException;
    }

    /**
     * Runs {@code command} on a connection of the pool {@code poolStage} completes with. The
     * returned future completes with the command; cancelling it closes the connection.
     */
    static <C extends StatefulConnection<?, ?>> RoutedFuture<Object> call(CompletionStage<PinnedPool<C>> poolStage,
            Function<? super C, ? extends CompletionStage<?>> command) {
        PinnedCall<C> call = new PinnedCall<>();
        poolStage.whenComplete((pool, err) -> {
            if (err != null) {
                call.completeExceptionally(Failures.unwrap(err));
            } else if (!call.isDone()) {
                call.start(pool, command);
            }
        });
        return call;
    }

    /** {@link #call} on this pool. */
    static <C extends StatefulConnection<?, ?>> RoutedFuture<Object> call(PinnedPool<C> pool,
            Function<? super C, ? extends CompletionStage<?>> command) {
        return call(CompletableFuture.completedFuture(pool), command);
    }

    /**
     * The reactive twin of {@link #call}: the connection is taken at subscription and goes back
     * when the publisher completes or fails with a reply, or after it emitted (the reply is in,
     * {@code Mono.from} then cancels); it is closed when cancelled or failed before any reply.
     */
    Flux<Object> reactive(Function<? super C, ? extends Publisher<?>> command) {
        return Flux.defer(() -> {
            AtomicBoolean replied = new AtomicBoolean();
            return Flux.usingWhen(Mono.fromCompletionStage(this::acquire),
                    c -> send(c, command, 0, policy.deadline()).doOnNext(x -> replied.set(true))
                            .onErrorMap(this::failure),
                    c -> Mono.fromRunnable(() -> release(c)),
                    (c, err) -> Mono.fromRunnable(() -> {
                        if (replied(err)) {
                            release(c);
                        } else {
                            discard(c);
                        }
                    }),
                    c -> Mono.fromRunnable(() -> {
                        if (replied.get()) {
                            release(c);
                        } else {
                            discard(c);
                        }
                    }));
        });
    }

    /** The reactive command; one that was never sent goes again as in {@link PinnedCall}. */
    private Flux<Object> send(C c, Function<? super C, ? extends Publisher<?>> command, int n, long deadline) {
        return Flux.<Object>defer(() -> Flux.from(command.apply(c))).onErrorResume(err -> {
            Failures failure = Failures.classify(err);
            if (scheduler == null || failure != Failures.NOT_SENT
                    || !policy.mayResend(failure, RetryPolicy.Resend.IF_REFUSED, deadline, false)) {
                return Flux.error(err);
            }
            policy.retrying("blocking command", err);
            return Mono.delay(Duration.ofNanos(policy.backoffNanos(n, deadline)), Schedulers.fromExecutorService(scheduler))
                    .thenMany(send(c, command, n + 1, deadline));
        });
    }

    /** A command on a pinned connection, and the future its caller holds. */
    private static final class PinnedCall<C extends StatefulConnection<?, ?>> extends RoutedFuture<Object> {

        private final AtomicReference<C> connection = new AtomicReference<>();
        private volatile PinnedPool<C> pool;

        void start(PinnedPool<C> p, Function<? super C, ? extends CompletionStage<?>> command) {
            pool = p;
            p.acquire().whenComplete((c, err) -> {
                if (err != null) {
                    completeExceptionally(Failures.unwrap(err));
                    return;
                }
                connection.set(c);
                if (isDone()) {
                    // cancelled while the connection was on its way: nothing was sent on it
                    finish(true);
                    return;
                }
                attempt(c, command, 0, p.policy.deadline());
            });
        }

        /** Sends the command; one that was never sent goes again while the budget lasts (see the pool's scheduler). */
        private void attempt(C c, Function<? super C, ? extends CompletionStage<?>> command, int n, long deadline) {
            if (isDone()) {
                // cancelled while waiting for this attempt: the connection went back already
                return;
            }
            CompletionStage<?> f;
            try {
                f = command.apply(c);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((v, e) -> {
                if (e != null && again(c, command, n, deadline, e)) {
                    return;
                }
                finish(e == null || replied(e));
                if (e == null) {
                    complete(v);
                } else {
                    completeExceptionally(pool.failure(e));
                }
            });
        }

        private boolean again(C c, Function<? super C, ? extends CompletionStage<?>> command, int n, long deadline,
                Throwable e) {
            Failures failure = Failures.classify(e);
            if (pool.scheduler == null || isDone()
                    || !pool.policy.mayResend(failure, RetryPolicy.Resend.IF_REFUSED, deadline, false)
                    || failure != Failures.NOT_SENT) {
                return false;
            }
            pool.policy.retrying("blocking command", e);
            try {
                pool.scheduler.schedule(() -> attempt(c, command, n + 1, deadline),
                        pool.policy.backoffNanos(n, deadline), TimeUnit.NANOSECONDS);
                return true;
            } catch (RuntimeException closing) {
                return false;
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            finish(false);
            return cancelled;
        }

        private void finish(boolean reusable) {
            C c = connection.getAndSet(null);
            if (c == null) {
                return;
            }
            if (reusable) {
                pool.release(c);
            } else {
                pool.discard(c);
            }
        }
    }
}
