package io.waymark.redis.internal;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.support.BoundedAsyncPool;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Routes each command of Lettuce's command interfaces to a node, once for all of them:
 * the async and reactive interfaces are dynamic proxies over this class, the sync one
 * a proxy over the async one.
 *
 * <p>Writes go to the fenced master and are retried on the next master, within the
 * failover budget, only when they certainly did not run. Reads go to the read policy's
 * candidates in order and move on to the next one when a connection fails (a read may
 * safely run twice).
 *
 * <p><b>Threading:</b> stateless apart from the router; callbacks run on Lettuce's I/O
 * threads or the topology scheduler and never block.
 */
final class RoutingCore<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(RoutingCore.class);

    private final StandaloneRouter<K, V> router;
    private final RedisSettings<K, V> settings;
    private final CommandClassifier classifier = new CommandClassifier();
    private final long budgetNanos;

    RoutingCore(StandaloneRouter<K, V> router, RedisSettings<K, V> settings) {
        this.router = router;
        this.settings = settings;
        this.budgetNanos = settings.failoverBudget().toNanos();
    }

    CommandClassifier classifier() {
        return classifier;
    }

    /** The handler behind {@code async()}. */
    InvocationHandler asyncHandler() {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, "async");
            }
            CommandKind kind = classifier.classify(method, args);
            switch (kind) {
                case UNSUPPORTED:
                    throw unsupported(method);
                case LOCAL:
                    return local(method, args, c -> c.async());
                case READ:
                    return read(method, args);
                case BLOCKING:
                    return pinned(method, args);
                default:
                    return write(method, args, !method.getName().equals("dispatch"));
            }
        };
    }

    /** The handler behind {@code reactive()}: picks the node when the publisher is subscribed. */
    InvocationHandler reactiveHandler() {
        return (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return objectMethod(proxy, method, args, "reactive");
            }
            CommandKind kind = classifier.classify(method, args);
            if (kind == CommandKind.UNSUPPORTED) {
                throw unsupported(method);
            }
            if (kind == CommandKind.LOCAL || !Publisher.class.isAssignableFrom(method.getReturnType())) {
                return local(method, args, c -> c.reactive());
            }
            Flux<Object> flux;
            if (kind == CommandKind.READ) {
                flux = Flux.defer(() -> reactiveRead(method, args, router.readCandidates(settings.readPolicy()), 0));
            } else if (kind == CommandKind.BLOCKING) {
                flux = Flux.defer(() -> reactivePinned(method, args));
            } else {
                boolean retry = kind == CommandKind.WRITE && !method.getName().equals("dispatch");
                flux = Flux.defer(() -> reactiveWrite(method, args, System.nanoTime() + budgetNanos, retry));
            }
            return Mono.class.isAssignableFrom(method.getReturnType()) ? Mono.from(flux) : flux;
        };
    }

    // ---------------------------------------------------------------- async

    private RedisFuture<Object> write(Method method, Object[] args, boolean retryable) {
        RoutedFuture<Object> result = new RoutedFuture<>();
        long deadline = System.nanoTime() + budgetNanos;
        Node<K, V> master = router.usableMaster();
        if (master != null) {
            sendWrite(master, method, args, retryable, deadline, result);
        } else {
            awaitThenWrite(method, args, retryable, deadline, result);
        }
        return result;
    }

    private void awaitThenWrite(Method method, Object[] args, boolean retryable, long deadline,
            RoutedFuture<Object> result) {
        router.awaitMaster(deadline).whenComplete((node, err) -> {
            if (err != null) {
                result.completeExceptionally(Failures.unwrap(err));
            } else {
                sendWrite(node, method, args, retryable, deadline, result);
            }
        });
    }

    private void sendWrite(Node<K, V> node, Method method, Object[] args, boolean retryable, long deadline,
            RoutedFuture<Object> result) {
        CompletionStage<Object> f;
        try {
            f = invokeAsync(node, method, args);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((value, err) -> {
            if (err == null) {
                result.complete(value);
                return;
            }
            Failures kind = Failures.classify(err);
            if (kind == Failures.NOT_EXECUTED) {
                String reason = Failures.reason(err);
                router.masterFailed(node, reason);
                if (retryable && System.nanoTime() - deadline < 0) {
                    router.countRetry(method.getName(), reason);
                    LOG.debug("retrying {} after {} on {}", method.getName(), reason, node.address());
                    awaitThenWrite(method, args, true, deadline, result);
                    return;
                }
            } else if (kind == Failures.NODE_SUSPECT) {
                router.nodeSuspect();
            }
            result.completeExceptionally(Failures.unwrap(err));
        });
    }

    private RedisFuture<Object> read(Method method, Object[] args) {
        RoutedFuture<Object> result = new RoutedFuture<>();
        List<Node<K, V>> candidates = router.readCandidates(settings.readPolicy());
        if (candidates.isEmpty()) {
            if (settings.readPolicy().usesMaster()) {
                // nothing reachable: wait for a master like a write would, then read there
                router.awaitMaster(System.nanoTime() + budgetNanos).whenComplete((node, err) -> {
                    if (err != null) {
                        result.completeExceptionally(Failures.unwrap(err));
                    } else {
                        sendRead(List.of(node), 0, method, args, result);
                    }
                });
            } else {
                result.completeExceptionally(new RedisConnectionException("no replica of "
                        + settings.readService() + " is reachable (read policy " + settings.readPolicy() + ")"));
            }
            return result;
        }
        sendRead(candidates, 0, method, args, result);
        return result;
    }

    private void sendRead(List<Node<K, V>> candidates, int index, Method method, Object[] args,
            RoutedFuture<Object> result) {
        Node<K, V> node = candidates.get(index);
        CompletionStage<Object> f;
        try {
            f = invokeAsync(node, method, args);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((value, err) -> {
            if (err == null) {
                result.complete(value);
                return;
            }
            Failures kind = Failures.classify(err);
            boolean nodeProblem = kind == Failures.NODE_SUSPECT
                    || (kind == Failures.NOT_EXECUTED && !Failures.reason(err).equals("READONLY"));
            if (nodeProblem) {
                router.nodeSuspect();
                if (index + 1 < candidates.size()) {
                    sendRead(candidates, index + 1, method, args, result);
                    return;
                }
            }
            result.completeExceptionally(Failures.unwrap(err));
        });
    }

    /** Blocking commands: on a pooled connection of their own, so they block nobody else. */
    private RedisFuture<Object> pinned(Method method, Object[] args) {
        RoutedFuture<Object> result = new RoutedFuture<>();
        router.awaitMaster(System.nanoTime() + budgetNanos)
                .thenCompose(node -> {
                    BoundedAsyncPool<StatefulRedisConnection<K, V>> pool =
                            node.pool(settings.poolMaxTotal(), settings.poolMaxIdle());
                    return pool.acquire().thenCompose(conn -> {
                        CompletionStage<Object> f;
                        try {
                            f = invoke(conn.async(), method, args);
                        } catch (RuntimeException e) {
                            f = CompletableFuture.failedFuture(e);
                        }
                        return f.whenComplete((v, e) -> pool.release(conn));
                    });
                })
                .whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(Failures.unwrap(e));
                    } else {
                        result.complete(v);
                    }
                });
        return result;
    }

    private CompletionStage<Object> invokeAsync(Node<K, V> node, Method method, Object[] args) {
        StatefulRedisConnection<K, V> c = node.connectionNow();
        if (c == null) {
            return CompletableFuture.failedFuture(new RedisConnectionException("not connected to " + node.address()));
        }
        return invoke(c.async(), method, args);
    }

    @SuppressWarnings("unchecked")
    private static CompletionStage<Object> invoke(Object target, Method method, Object[] args) {
        Object r = call(target, method, args);
        return (CompletionStage<Object>) r;
    }

    // ---------------------------------------------------------------- reactive

    private Flux<Object> reactiveWrite(Method method, Object[] args, long deadline, boolean retryable) {
        return Mono.fromCompletionStage(() -> router.awaitMaster(deadline))
                .onErrorMap(Failures::unwrap)
                .flatMapMany(node -> reactiveCall(node, method, args).onErrorResume(err -> {
                    if (Failures.classify(err) == Failures.NOT_EXECUTED) {
                        String reason = Failures.reason(err);
                        router.masterFailed(node, reason);
                        if (retryable && System.nanoTime() - deadline < 0) {
                            router.countRetry(method.getName(), reason);
                            return reactiveWrite(method, args, deadline, true);
                        }
                    } else if (Failures.classify(err) == Failures.NODE_SUSPECT) {
                        router.nodeSuspect();
                    }
                    return Flux.error(err);
                }));
    }

    /** A blocking command on a pooled connection, given back when the publisher terminates or is cancelled. */
    private Flux<Object> reactivePinned(Method method, Object[] args) {
        return Mono.fromCompletionStage(() -> router.awaitMaster(System.nanoTime() + budgetNanos))
                .onErrorMap(Failures::unwrap)
                .flatMapMany(node -> {
                    BoundedAsyncPool<StatefulRedisConnection<K, V>> pool =
                            node.pool(settings.poolMaxTotal(), settings.poolMaxIdle());
                    return Flux.usingWhen(Mono.fromCompletionStage(pool::acquire),
                            conn -> Flux.from(publisher(conn.reactive(), method, args)),
                            conn -> Mono.fromCompletionStage(pool.release(conn)));
                });
    }

    private Flux<Object> reactiveRead(Method method, Object[] args, List<Node<K, V>> candidates, int index) {
        if (candidates.isEmpty()) {
            if (settings.readPolicy().usesMaster()) {
                return reactiveWrite(method, args, System.nanoTime() + budgetNanos, false);
            }
            return Flux.error(new RedisConnectionException("no replica of " + settings.readService()
                    + " is reachable (read policy " + settings.readPolicy() + ")"));
        }
        Node<K, V> node = candidates.get(index);
        return reactiveCall(node, method, args).onErrorResume(err -> {
            Failures kind = Failures.classify(err);
            if (kind == Failures.NODE_SUSPECT
                    || (kind == Failures.NOT_EXECUTED && !Failures.reason(err).equals("READONLY"))) {
                router.nodeSuspect();
                if (index + 1 < candidates.size()) {
                    return reactiveRead(method, args, candidates, index + 1);
                }
            }
            return Flux.error(err);
        });
    }

    private Flux<Object> reactiveCall(Node<K, V> node, Method method, Object[] args) {
        StatefulRedisConnection<K, V> c = node.connectionNow();
        if (c == null) {
            return Flux.error(new RedisConnectionException("not connected to " + node.address()));
        }
        return Flux.from(publisher(c.reactive(), method, args));
    }

    @SuppressWarnings("unchecked")
    private static Publisher<Object> publisher(Object reactiveApi, Method method, Object[] args) {
        return (Publisher<Object>) call(reactiveApi, method, args);
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
        return call(api.apply(c), method, args);
    }

    static Object call(Object target, Method method, Object[] args) {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new IllegalStateException(c);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static UnsupportedOperationException unsupported(Method method) {
        return new UnsupportedOperationException(method.getName()
                + " changes one connection's state and cannot be routed: configure it in DiscoveredRedisBuilder");
    }

    Object objectMethod(Object proxy, Method method, Object[] args, String what) {
        switch (method.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            default:
                return "DiscoveredRedis." + what + "(" + settings.writeService() + ")";
        }
    }
}
