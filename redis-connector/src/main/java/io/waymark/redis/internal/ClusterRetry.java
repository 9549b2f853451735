package io.waymark.redis.internal;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.RedisCodec;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
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

    /** Told of every retry, to ask for a topology refresh (the policy counts it and fires the metrics hook). */
    interface Listener {
        void retrying(String command, String reason);

        /** A command failed and may have run (a timeout, a lost connection): its node may be gone. */
        default void outcomeUnknown(String command) {
        }
    }

    /** The multi-key commands Lettuce's cluster API splits into one command per slot. */
    private static final Set<String> SPLIT_BY_SLOT = Set.of("del", "unlink", "exists", "touch", "mset", "msetnx");

    /**
     * How a method is handled, worked out once per method.
     *
     * @param kind its kind, or null when it depends on the arguments ({@code dispatch}, {@code XREAD})
     * @param splits whether Lettuce splits it across slots when its keys hash to several
     */
    private record Route(CommandKind kind, RetryPolicy.Resend resend, boolean splits) {
    }

    private final Object asyncTarget;
    private final Object reactiveTarget;
    /** Blocking commands run here, each on a cluster connection of its own: the shared one stays free. */
    private final PinnedPool<StatefulRedisClusterConnection<?, ?>> pinned;
    private final RedisCodec<?, ?> codec;
    private final ScheduledExecutorService scheduler;
    private final RetryPolicy policy;
    private final Listener listener;
    private final String name;
    private final CommandClassifier classifier = new CommandClassifier();
    private final Map<Method, Route> routes = new ConcurrentHashMap<>();
    /** Failers of the commands waiting for their next attempt: a closed scheduler would never run them. */
    private final Set<Runnable> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    ClusterRetry(Object asyncTarget, Object reactiveTarget, PinnedPool<StatefulRedisClusterConnection<?, ?>> pinned,
            RedisCodec<?, ?> codec, ScheduledExecutorService scheduler, RetryPolicy policy, Listener listener,
            String name) {
        this.asyncTarget = asyncTarget;
        this.reactiveTarget = reactiveTarget;
        this.pinned = pinned;
        this.codec = codec;
        this.scheduler = scheduler;
        this.policy = policy;
        this.listener = listener;
        this.name = name;
    }

    private Route route(Method method) {
        Route r = routes.get(method);
        return r != null ? r : routes.computeIfAbsent(method, m -> new Route(
                CommandClassifier.dependsOnArguments(m.getName()) ? null : classifier.classify(m, null),
                CommandClassifier.resend(m.getName()), SPLIT_BY_SLOT.contains(m.getName())));
    }

    /** The resend rule of this call: a command Lettuce splits across slots is never sent again. */
    private RetryPolicy.Resend resend(Route route, Object[] args) {
        return route.splits() && args != null && args.length == 1 && crossSlot(args[0]) ? RetryPolicy.Resend.SPLIT
                : route.resend();
    }

    /** Whether the keys ({@code K...}, or the keys of a {@code Map<K, V>}) hash to more than one slot. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private boolean crossSlot(Object keys) {
        Iterable<?> all = keys instanceof Map ? ((Map<?, ?>) keys).keySet()
                : keys instanceof Object[] ? Arrays.asList((Object[]) keys) : List.of();
        int slot = -1;
        for (Object k : all) {
            int s = SlotHash.getSlot(((RedisCodec) codec).encodeKey(k));
            if (slot >= 0 && s != slot) {
                return true;
            }
            slot = s;
        }
        return false;
    }

    /** Routes a call the handler does not pass straight to Lettuce. */
    private interface Routing {
        Object route(Method method, Object[] args, Route route, CommandKind kind);
    }

    /** The handler behind {@code async()}. */
    InvocationHandler asyncHandler() {
        return handler(asyncTarget, CompletionStage.class, "async", this::async);
    }

    /** The handler behind {@code reactive()}: retries a publisher that failed before emitting anything. */
    InvocationHandler reactiveHandler() {
        return handler(reactiveTarget, Publisher.class, "reactive", this::reactive);
    }

    /**
     * What both handlers do first: refuse what would change the shared connection's state, and pass
     * straight to Lettuce what has nothing to route or to send again (local calls, {@code dispatch}).
     */
    private InvocationHandler handler(Object target, Class<?> routed, String what, Routing routing) {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, what);
            }
            Route route = route(method);
            CommandKind kind = route.kind() != null ? route.kind() : classifier.classify(method, args);
            if (kind == CommandKind.UNSUPPORTED) {
                // the shared connection serves every caller: none may change its state
                throw Proxies.unsupported(method, args);
            }
            boolean direct = kind == CommandKind.LOCAL
                    || kind != CommandKind.BLOCKING && route.resend() == RetryPolicy.Resend.NEVER;
            if (direct || !routed.isAssignableFrom(method.getReturnType())) {
                return Proxies.call(target, method, args);
            }
            return routing.route(method, args, route, kind);
        };
    }

    private Object async(Method method, Object[] args, Route route, CommandKind kind) {
        if (kind == CommandKind.BLOCKING) {
            return PinnedPool.call(pinned, c -> Proxies.stage(c.async(), method, args));
        }
        RoutedFuture<Object> result = new RoutedFuture<>();
        attempt(method, args, resend(route, args), kind == CommandKind.READ, policy.deadline(), 0, result);
        return result;
    }

    private Object reactive(Method method, Object[] args, Route route, CommandKind kind) {
        Flux<Object> flux;
        if (kind == CommandKind.BLOCKING) {
            flux = pinned.reactive(c -> Proxies.publisher(c.reactive(), method, args));
        } else {
            RetryPolicy.Resend resend = resend(route, args);
            boolean read = kind == CommandKind.READ;
            flux = Flux.defer(() -> reactiveAttempt(method, args, resend, read, policy.deadline(), 0));
        }
        return Mono.class.isAssignableFrom(method.getReturnType()) ? Mono.from(flux) : flux;
    }

    @SuppressWarnings("unchecked")
    private void attempt(Method method, Object[] args, RetryPolicy.Resend resend, boolean read, long deadline,
            int attempt, RoutedFuture<Object> result) {
        CompletionStage<Object> f;
        try {
            f = (CompletionStage<Object>) Proxies.call(asyncTarget, method, args);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((value, err) -> {
            if (err == null) {
                result.complete(value);
                return;
            }
            Failures failure = RetryPolicy.classify(err, resend);
            if (!policy.mayResend(failure, resend, deadline, false)) {
                unknown(method, failure);
                result.completeExceptionally(policy.failure(err, failure, resend, read));
                return;
            }
            retrying(method, err);
            Runnable fail = () -> result.completeExceptionally(Failures.unwrap(err));
            later(policy.backoffNanos(attempt, deadline),
                    () -> attempt(method, args, resend, read, deadline, attempt + 1, result), fail);
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

    @SuppressWarnings("unchecked")
    private Flux<Object> reactiveAttempt(Method method, Object[] args, RetryPolicy.Resend resend, boolean read,
            long deadline, int attempt) {
        return Flux.defer(() -> {
            // elements already delivered cannot be taken back: only a failure before the first is retried
            AtomicBoolean emitted = new AtomicBoolean();
            return Flux.from((Publisher<Object>) Proxies.call(reactiveTarget, method, args))
                    .doOnNext(x -> emitted.set(true))
                    .onErrorResume(err -> {
                        Failures failure = RetryPolicy.classify(err, resend);
                        if (!policy.mayResend(failure, resend, deadline, emitted.get())) {
                            unknown(method, failure);
                            return Flux.error(policy.failure(err, failure, resend, read));
                        }
                        retrying(method, err);
                        return delay(policy.backoffNanos(attempt, deadline), Failures.unwrap(err))
                                .thenMany(reactiveAttempt(method, args, resend, read, deadline, attempt + 1));
                    });
        });
    }

    /** A delay on the connector's scheduler rather than on a Reactor scheduler the connector does not own. */
    private Mono<Void> delay(long nanos, Throwable cause) {
        return Mono.create(sink -> later(nanos, sink::success, () -> sink.error(cause)));
    }

    private void retrying(Method method, Throwable err) {
        policy.retrying(method.getName(), err);
        listener.retrying(method.getName(), Failures.reason(err));
    }

    private void unknown(Method method, Failures failure) {
        if (failure == Failures.OUTCOME_UNKNOWN) {
            listener.outcomeUnknown(method.getName());
        }
    }

    private Object objectMethod(Object proxy, Method method, Object[] args, String what) {
        return Proxies.objectMethod(proxy, method, args, "DiscoveredRedis." + what + "(" + name + ")");
    }
}
