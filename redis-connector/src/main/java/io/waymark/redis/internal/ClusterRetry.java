package io.waymark.redis.internal;

import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Retries over Lettuce's cluster connection: a command the cluster refused before running
 * it ({@code CLUSTERDOWN}, {@code TRYAGAIN}, {@code READONLY}, rejected while disconnected...)
 * is sent again after a topology refresh and a short jittered backoff, within the failover
 * budget. Lettuce itself follows MOVED/ASK but surfaces these replies to the caller.
 *
 * <p>Anything that may have run (a timeout, a reset) or is the caller's business surfaces
 * unretried. {@code dispatch} is never retried: its output object is filled by the first
 * attempt.
 *
 * <p><b>Threading:</b> thread-safe; its only state is the set of commands waiting for a retry;
 * callbacks run on Lettuce's I/O threads or the scheduler and never block.
 */
final class ClusterRetry {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRetry.class);

    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Told of every retry: counts it, fires the metrics hook and asks for a topology refresh. */
    interface Listener {
        void retrying(String command, String reason);
    }

    private final Object asyncTarget;
    private final Object reactiveTarget;
    /** Blocking commands run here, each on a cluster connection of its own: the shared one stays free. */
    private final PinnedPool<StatefulRedisClusterConnection<?, ?>> pinned;
    private final ScheduledExecutorService scheduler;
    private final Listener listener;
    private final long budgetNanos;
    private final String name;
    private final CommandClassifier classifier = new CommandClassifier();
    /** Failers of the commands waiting for their next attempt: a closed scheduler would never run them. */
    private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    ClusterRetry(Object asyncTarget, Object reactiveTarget, PinnedPool<StatefulRedisClusterConnection<?, ?>> pinned,
            ScheduledExecutorService scheduler, Duration budget, Listener listener, String name) {
        this.asyncTarget = asyncTarget;
        this.reactiveTarget = reactiveTarget;
        this.pinned = pinned;
        this.scheduler = scheduler;
        this.budgetNanos = budget.toNanos();
        this.listener = listener;
        this.name = name;
    }

    /**
     * The retry decision: how long to wait before attempt {@code attempt + 1}, or {@code -1} to
     * surface the failure. Backoff doubles from 10 ms to 100 ms, jittered into its upper half
     * ({@code random} in [0, 1)) so that writers blocked by one outage do not return in step.
     */
    static long retryDelayNanos(Failures kind, int attempt, long nanosLeft, double random) {
        if (kind != Failures.NOT_EXECUTED || nanosLeft <= 0) {
            return -1;
        }
        long cap = Math.min(MAX_BACKOFF_NANOS, MIN_BACKOFF_NANOS << Math.min(Math.max(attempt, 0), 4));
        long delay = cap / 2 + (long) (random * (cap / 2));
        return Math.min(delay, nanosLeft);
    }

    private boolean retryable(Method method, Object[] args) {
        if (method.getName().equals("dispatch")) {
            return false;
        }
        CommandKind kind = classifier.classify(method, args);
        return kind != CommandKind.LOCAL && kind != CommandKind.UNSUPPORTED;
    }

    /** The handler behind {@code async()}. */
    InvocationHandler asyncHandler() {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, "async");
            }
            if (!CompletionStage.class.isAssignableFrom(method.getReturnType())) {
                return RoutingCore.call(asyncTarget, method, args);
            }
            if (classifier.classify(method, args) == CommandKind.BLOCKING) {
                return PinnedPool.call(pinned, c -> RoutingCore.invoke(c.async(), method, args));
            }
            if (!retryable(method, args)) {
                return RoutingCore.call(asyncTarget, method, args);
            }
            RoutedFuture<Object> result = new RoutedFuture<>();
            attempt(method, args, System.nanoTime() + budgetNanos, 0, result);
            return result;
        };
    }

    @SuppressWarnings("unchecked")
    private void attempt(Method method, Object[] args, long deadline, int attempt, RoutedFuture<Object> result) {
        CompletionStage<Object> f;
        try {
            f = (CompletionStage<Object>) RoutingCore.call(asyncTarget, method, args);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((value, err) -> {
            if (err == null) {
                result.complete(value);
                return;
            }
            long delay = retryDelayNanos(Failures.classify(err), attempt, deadline - System.nanoTime(),
                    ThreadLocalRandom.current().nextDouble());
            if (delay < 0) {
                result.completeExceptionally(Failures.unwrap(err));
                return;
            }
            retrying(method, err);
            Runnable fail = () -> result.completeExceptionally(Failures.unwrap(err));
            later(delay, () -> attempt(method, args, deadline, attempt + 1, result), fail);
        });
    }

    /** Runs {@code next} after the backoff, or {@code fail} if the connector closes first. */
    private void later(long delayNanos, Runnable next, Runnable fail) {
        Runnable once = new Runnable() {
            @Override
            public void run() {
                if (waiting.remove(this)) {
                    fail.run();
                }
            }
        };
        waiting.add(once);
        if (closed) {
            once.run();
            return;
        }
        try {
            scheduler.schedule(() -> {
                if (waiting.remove(once)) {
                    next.run();
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            once.run();
        }
    }

    /** Fails every command waiting for a retry, with the error that made it wait. */
    void close() {
        closed = true;
        for (Runnable r : waiting) {
            r.run();
        }
    }

    /** The handler behind {@code reactive()}: retries a publisher that failed before emitting anything. */
    InvocationHandler reactiveHandler() {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, "reactive");
            }
            if (!Publisher.class.isAssignableFrom(method.getReturnType())) {
                return RoutingCore.call(reactiveTarget, method, args);
            }
            Flux<Object> flux;
            if (classifier.classify(method, args) == CommandKind.BLOCKING) {
                flux = pinned.reactive(c -> RoutingCore.publisher(c.reactive(), method, args));
            } else if (!retryable(method, args)) {
                return RoutingCore.call(reactiveTarget, method, args);
            } else {
                flux = Flux.defer(() -> reactiveAttempt(method, args, System.nanoTime() + budgetNanos, 0));
            }
            return Mono.class.isAssignableFrom(method.getReturnType()) ? Mono.from(flux) : flux;
        };
    }

    @SuppressWarnings("unchecked")
    private Flux<Object> reactiveAttempt(Method method, Object[] args, long deadline, int attempt) {
        return Flux.defer(() -> {
            // elements already delivered cannot be taken back: only a failure before the first is retried
            AtomicBoolean emitted = new AtomicBoolean();
            return Flux.from((Publisher<Object>) RoutingCore.call(reactiveTarget, method, args))
                    .doOnNext(x -> emitted.set(true))
                    .onErrorResume(err -> {
                        long delay = emitted.get() ? -1 : retryDelayNanos(Failures.classify(err), attempt,
                                deadline - System.nanoTime(), ThreadLocalRandom.current().nextDouble());
                        if (delay < 0) {
                            return Flux.error(Failures.unwrap(err));
                        }
                        retrying(method, err);
                        return delay(delay, Failures.unwrap(err))
                                .thenMany(reactiveAttempt(method, args, deadline, attempt + 1));
                    });
        });
    }

    /** A delay on the connector's scheduler rather than on a Reactor scheduler the connector does not own. */
    private Mono<Void> delay(long nanos, Throwable cause) {
        return Mono.create(sink -> later(nanos, sink::success, () -> sink.error(cause)));
    }

    private void retrying(Method method, Throwable err) {
        String reason = Failures.reason(err);
        LOG.debug("retrying {} after {}", method.getName(), reason);
        listener.retrying(method.getName(), reason);
    }

    private Object objectMethod(Object proxy, Method method, Object[] args, String what) {
        switch (method.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            default:
                return "DiscoveredRedis." + what + "(" + name + ")";
        }
    }
}
