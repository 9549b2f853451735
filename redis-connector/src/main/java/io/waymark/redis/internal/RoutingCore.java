package io.waymark.redis.internal;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.redis.ReadPolicy;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Routes each command of Lettuce's command interfaces to a node, once for all of them:
 * the async and reactive interfaces are dynamic proxies over this class, the sync one
 * ({@link SyncFacade}) a proxy that calls {@link #sync} with the async method of the same
 * signature.
 *
 * <p>Writes go to the fenced master and are retried on the next master, within the
 * failover budget, only when they certainly did not run. Reads go to the read policy's
 * candidates in order and move on to the next one when a connection fails (a read may
 * safely run twice).
 *
 * <p>The common case costs what Lettuce's own API costs plus a look at the routing
 * snapshot: the read candidates are precomputed there, a sync call waits on Lettuce's
 * future and builds retry state only after a failure, an async call allocates the future
 * it returns, which is also the completion callback on Lettuce's.
 *
 * <p><b>Threading:</b> stateless apart from the router and a cache of routes; callbacks
 * run on Lettuce's I/O threads or the topology scheduler and never block. Sync callers
 * block on their own thread only.
 */
final class RoutingCore<K, V> {

    private final StandaloneRouter<K, V> router;
    private final RedisSettings<K, V> settings;
    private final ReadPolicy readPolicy;
    private final RetryPolicy policy;
    private final CommandClassifier classifier = new CommandClassifier();
    /** One lookup per call: how each method of the async interface is routed. */
    private final Map<Method, Route> routes = new ConcurrentHashMap<>();
    private final long maxWaitNanos;

    RoutingCore(StandaloneRouter<K, V> router, RedisSettings<K, V> settings, RetryPolicy policy) {
        this.router = router;
        this.settings = settings;
        this.readPolicy = settings.readPolicy();
        this.policy = policy;
        this.maxWaitNanos = settings.commandTimeout().multipliedBy(2).plus(settings.failoverBudget())
                .plusMillis(500).toNanos();
    }

    CommandClassifier classifier() {
        return classifier;
    }

    /**
     * How a method of the async (or reactive) interface is routed, worked out once per method.
     *
     * @param target the method that runs the command
     * @param kind its kind, or null when it depends on the arguments ({@code dispatch}, {@code XREAD})
     * @param resend whether a write that certainly did not run may be sent again
     */
    record Route(Method target, CommandKind kind, RetryPolicy.Resend resend) {
    }

    /** The route of {@code method}, a method of the async or reactive interface. */
    Route route(Method method) {
        Route r = routes.get(method);
        return r != null ? r : routes.computeIfAbsent(method, this::newRoute);
    }

    private Route newRoute(Method m) {
        CommandKind kind = CommandClassifier.dependsOnArguments(m.getName()) ? null : classifier.classify(m, null);
        return new Route(m, kind, CommandClassifier.resend(m.getName()));
    }

    private CommandKind kind(Route route, Object[] args) {
        CommandKind k = route.kind();
        return k != null ? k : classifier.classify(route.target(), args);
    }

    /** The handler behind {@code async()}. */
    InvocationHandler asyncHandler() {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, "async");
            }
            Route route = route(method);
            switch (kind(route, args)) {
                case UNSUPPORTED:
                    throw Proxies.unsupported(method, args);
                case LOCAL:
                    return local(method, args, c -> c.async());
                case READ:
                    return read(method, args);
                case BLOCKING:
                    return pinned(method, args);
                default:
                    return write(route, args);
            }
        };
    }

    /** The handler behind {@code reactive()}: picks the node when the publisher is subscribed. */
    InvocationHandler reactiveHandler() {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, "reactive");
            }
            Route route = route(method);
            CommandKind kind = kind(route, args);
            if (kind == CommandKind.UNSUPPORTED) {
                throw Proxies.unsupported(method, args);
            }
            if (kind == CommandKind.LOCAL || !Publisher.class.isAssignableFrom(method.getReturnType())) {
                return local(method, args, c -> c.reactive());
            }
            Flux<Object> flux;
            if (kind == CommandKind.READ) {
                flux = Flux.defer(() -> reactiveRead(method, args));
            } else if (kind == CommandKind.BLOCKING) {
                flux = Flux.defer(() -> reactivePinned(method, args));
            } else {
                flux = Flux.defer(() -> reactiveWrite(method, args, route.resend(), policy.deadline(), false));
            }
            return Mono.class.isAssignableFrom(method.getReturnType()) ? Mono.from(flux) : flux;
        };
    }

    // ---------------------------------------------------------------- async

    private RedisFuture<Object> write(Route route, Object[] args) {
        WriteCall call = new WriteCall(route.target(), args, route.resend(), policy.deadline());
        Node<K, V> master = router.usableMaster();
        if (master != null) {
            call.send(master);
        } else {
            call.sendWhenMaster();
        }
        return call;
    }

    private RedisFuture<Object> read(Method method, Object[] args) {
        ReadCandidates<K, V> candidates = router.snapshot().readCandidates(readPolicy);
        ReadCall call = new ReadCall(method, args, candidates, router.nextTurn(candidates));
        int index = candidates.nextUsable(0, call.turn);
        if (index >= 0) {
            call.send(index);
        } else {
            call.noCandidate();
        }
        return call;
    }

    /**
     * A routed call that is its own completion callback, so that an attempt adds to Lettuce's
     * future only what {@code whenComplete} must allocate (CompletableFuture offers no cheaper
     * hook, and Lettuce creates its futures itself): a failed attempt either goes again or fails
     * the call.
     */
    private abstract static class RetryingCall extends RoutedFuture<Object> implements BiConsumer<Object, Throwable> {

        @Override
        public void accept(Object value, Throwable err) {
            if (err == null) {
                complete(value);
            } else {
                Throwable failure = retry(err);
                if (failure != null) {
                    completeExceptionally(failure);
                }
            }
        }

        /** After a failed attempt: null if the call went again (it completes later), else what its caller gets. */
        abstract Throwable retry(Throwable err);
    }

    /** A routed write: to the fenced master, again on the next one while it certainly did not run. */
    private final class WriteCall extends RetryingCall {

        private final Method method;
        private final Object[] args;
        private final RetryPolicy.Resend resend;
        private final long deadline;
        /** The node of the attempt in flight: attempts never overlap. */
        private Node<K, V> node;

        WriteCall(Method method, Object[] args, RetryPolicy.Resend resend, long deadline) {
            this.method = method;
            this.args = args;
            this.resend = resend;
            this.deadline = deadline;
        }

        void send(Node<K, V> target) {
            node = target;
            RoutingCore.this.send(target, method, args).whenComplete(this);
        }

        void sendWhenMaster() {
            router.awaitMaster(deadline).whenComplete((master, err) -> {
                if (err != null) {
                    completeExceptionally(Failures.unwrap(err));
                } else {
                    send(master);
                }
            });
        }

        @Override
        Throwable retry(Throwable err) {
            Failures failure = RetryPolicy.classify(err, resend);
            evidence(node, failure, err);
            if (policy.mayResend(failure, resend, deadline, false)) {
                policy.retrying(method.getName(), err);
                sendWhenMaster();
                return null;
            }
            return policy.failure(err, failure, resend, false);
        }
    }

    /** A routed read: moves on to the next candidate when its node failed. */
    private final class ReadCall extends RetryingCall {

        private final Method method;
        private final Object[] args;
        private ReadCandidates<K, V> candidates;
        private int turn;
        /** The candidate of the attempt in flight. */
        private int index;

        ReadCall(Method method, Object[] args, ReadCandidates<K, V> candidates, int turn) {
            this.method = method;
            this.args = args;
            this.candidates = candidates;
            this.turn = turn;
        }

        void send(int candidate) {
            index = candidate;
            RoutingCore.this.send(candidates.get(candidate, turn), method, args).whenComplete(this);
        }

        /** No candidate is connected. */
        void noCandidate() {
            if (readPolicy.usesMaster()) {
                // nothing reachable: wait for a master like a write would, then read there
                router.awaitMaster(policy.deadline()).whenComplete((master, err) -> {
                    if (err != null) {
                        completeExceptionally(Failures.unwrap(err));
                    } else {
                        candidates = ReadCandidates.single(master);
                        turn = 0;
                        send(0);
                    }
                });
            } else {
                completeExceptionally(noReplica());
            }
        }

        @Override
        Throwable retry(Throwable err) {
            if (RetryPolicy.mayReadElsewhere(Failures.classify(err), err, false)) {
                router.nodeSuspect();
                int next = candidates.nextUsable(index + 1, turn);
                if (next >= 0) {
                    send(next);
                    return null;
                }
            }
            return Failures.unwrap(err);
        }
    }

    /** What a failed attempt on {@code node} tells the router: not the master (any more), or look again. */
    private void evidence(Node<K, V> node, Failures failure, Throwable err) {
        if (failure == Failures.NOT_SENT || failure == Failures.REFUSED) {
            router.masterFailed(node, Failures.reason(err));
        } else if (failure == Failures.OUTCOME_UNKNOWN) {
            router.nodeSuspect();
        }
    }

    private RedisConnectionException noReplica() {
        return new RedisConnectionException("no replica of " + settings.readService() + " is reachable (read policy "
                + readPolicy + ")");
    }

    /** Blocking commands: on a pooled connection of their own, so they block nobody else. */
    private RedisFuture<Object> pinned(Method method, Object[] args) {
        return PinnedPool.call(router.awaitMaster(policy.deadline()).thenApply(this::pool),
                conn -> Proxies.stage(conn.async(), method, args));
    }

    private PinnedPool<StatefulRedisConnection<K, V>> pool(Node<K, V> node) {
        return node.pool(settings.poolMaxTotal(), settings.poolMaxIdle(), policy);
    }

    /** Sends one attempt to {@code node}; a failure to send is a failed future, like a failure of the command. */
    private CompletableFuture<Object> send(Node<K, V> node, Method method, Object[] args) {
        StatefulRedisConnection<K, V> c = node.connectionNow();
        if (c == null) {
            return CompletableFuture.failedFuture(new RedisConnectionException("not connected to " + node.address()));
        }
        try {
            return Proxies.stage(c.async(), method, args).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---------------------------------------------------------------- sync

    /**
     * The sync API's call of the async method {@code route.target()}: routed as the async API
     * routes it, but a first attempt waits on Lettuce's own future, and only a failed one
     * builds the retry machinery (which the wait then follows).
     *
     * <p>The wait is bounded by the failover budget plus twice the command timeout (one attempt
     * on the old master, one on the new), as a safety net: Lettuce's own command timeout
     * normally ends it first.
     */
    Object sync(Route route, Object[] args) {
        Method method = route.target();
        switch (kind(route, args)) {
            case UNSUPPORTED:
                throw Proxies.unsupported(method, args);
            case LOCAL:
                return local(method, args, c -> c.async());
            case READ:
                return syncRead(method, args);
            case BLOCKING:
                // as long as the server may block it: BlockingTimeouts gave it its client timeout
                return Await.get(pinned(method, args), 0);
            default:
                return syncWrite(route, args);
        }
    }

    private Object syncWrite(Route route, Object[] args) {
        long start = policy.now();
        Node<K, V> master = router.usableMaster();
        if (master == null) {
            return await(write(route, args), start);
        }
        Throwable err;
        try {
            return Await.await(send(master, route.target(), args), maxWaitNanos);
        } catch (ExecutionException e) {
            err = e.getCause();
        }
        WriteCall call = new WriteCall(route.target(), args, route.resend(), policy.deadline(start));
        call.node = master;
        Throwable failure = call.retry(err);
        if (failure != null) {
            throw Await.failure(failure);
        }
        return await(call, start);
    }

    private Object syncRead(Method method, Object[] args) {
        long start = policy.now();
        ReadCandidates<K, V> candidates = router.snapshot().readCandidates(readPolicy);
        int turn = router.nextTurn(candidates);
        int index = candidates.nextUsable(0, turn);
        if (index < 0) {
            return await(read(method, args), start);
        }
        Throwable err;
        try {
            return Await.await(send(candidates.get(index, turn), method, args), maxWaitNanos);
        } catch (ExecutionException e) {
            err = e.getCause();
        }
        ReadCall call = new ReadCall(method, args, candidates, turn);
        call.index = index;
        Throwable failure = call.retry(err);
        if (failure != null) {
            throw Await.failure(failure);
        }
        return await(call, start);
    }

    /** Waits for a routed call that started at {@code start}, within what is left of the maximum wait. */
    private Object await(Future<Object> f, long start) {
        return Await.get(f, Math.max(1, maxWaitNanos - (policy.now() - start)));
    }

    // ---------------------------------------------------------------- reactive

    /**
     * A write (or a read that waited for the master) at the fenced master, sent again like
     * {@link WriteCall} but never once it emitted an element.
     */
    private Flux<Object> reactiveWrite(Method method, Object[] args, RetryPolicy.Resend resend, long deadline,
            boolean read) {
        return Mono.fromCompletionStage(() -> router.awaitMaster(deadline))
                .onErrorMap(Failures::unwrap)
                .flatMapMany(node -> {
                    AtomicBoolean emitted = new AtomicBoolean();
                    return reactiveCall(node, method, args).doOnNext(x -> emitted.set(true)).onErrorResume(err -> {
                        Failures failure = RetryPolicy.classify(err, resend);
                        evidence(node, failure, err);
                        if (policy.mayResend(failure, resend, deadline, emitted.get())) {
                            policy.retrying(method.getName(), err);
                            return reactiveWrite(method, args, resend, deadline, read);
                        }
                        return Flux.error(policy.failure(err, failure, resend, read));
                    });
                });
    }

    /** A blocking command on a pooled connection: see {@link PinnedPool#reactive}. */
    private Flux<Object> reactivePinned(Method method, Object[] args) {
        return Mono.fromCompletionStage(() -> router.awaitMaster(policy.deadline()))
                .onErrorMap(Failures::unwrap)
                .flatMapMany(node -> pool(node).reactive(conn -> Proxies.publisher(conn.reactive(), method, args)));
    }

    private Flux<Object> reactiveRead(Method method, Object[] args) {
        ReadCandidates<K, V> candidates = router.snapshot().readCandidates(readPolicy);
        int turn = router.nextTurn(candidates);
        int index = candidates.nextUsable(0, turn);
        if (index < 0) {
            if (readPolicy.usesMaster()) {
                return reactiveWrite(method, args, RetryPolicy.Resend.NEVER, policy.deadline(), true);
            }
            return Flux.error(noReplica());
        }
        return reactiveRead(method, args, candidates, turn, index);
    }

    /** A read on candidate {@code index}, moving on like {@link ReadCall} but never once it emitted an element. */
    private Flux<Object> reactiveRead(Method method, Object[] args, ReadCandidates<K, V> candidates, int turn,
            int index) {
        AtomicBoolean emitted = new AtomicBoolean();
        return reactiveCall(candidates.get(index, turn), method, args).doOnNext(x -> emitted.set(true))
                .onErrorResume(err -> {
                    if (RetryPolicy.mayReadElsewhere(Failures.classify(err), err, emitted.get())) {
                        router.nodeSuspect();
                        int next = candidates.nextUsable(index + 1, turn);
                        if (next >= 0) {
                            return reactiveRead(method, args, candidates, turn, next);
                        }
                    }
                    return Flux.error(Failures.unwrap(err));
                });
    }

    private Flux<Object> reactiveCall(Node<K, V> node, Method method, Object[] args) {
        StatefulRedisConnection<K, V> c = node.connectionNow();
        if (c == null) {
            return Flux.error(new RedisConnectionException("not connected to " + node.address()));
        }
        return Flux.from(Proxies.publisher(c.reactive(), method, args));
    }

    // ---------------------------------------------------------------- helpers

    /** Calls that need a connection but no routing (digest, getJsonParser, isOpen). */
    private Object local(Method method, Object[] args, Function<StatefulRedisConnection<K, V>, Object> api) {
        if (method.getName().equals("isOpen")) {
            return router.usableMaster() != null;
        }
        Node<K, V> node = router.snapshot().master();
        StatefulRedisConnection<K, V> c = node == null ? null : node.connectionNow();
        if (c == null) {
            for (Node<K, V> n : router.nodes()) {
                c = n.connectionNow();
                if (c != null) {
                    break;
                }
            }
        }
        if (c == null) {
            throw new RedisConnectionException("no connection to any node of " + settings.writeService());
        }
        return Proxies.call(api.apply(c), method, args);
    }

    Object objectMethod(Object proxy, Method method, Object[] args, String what) {
        return Proxies.objectMethod(proxy, method, args, "DiscoveredRedis." + what + "(" + settings.writeService() + ")");
    }
}
