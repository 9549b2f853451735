package io.waymark.spring.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisAdvancedClusterReactiveCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredRedis;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A {@link StatefulRedisConnection} (standalone) or {@link StatefulRedisClusterConnection} (cluster)
 * for Spring Data Redis, whose commands are {@link DiscoveredRedis}'s routed ones. It is shared: closing
 * it does nothing (the {@code DiscoveredRedis} belongs to whoever built it). In cluster mode, what
 * addresses one node ({@code getConnection(host, port)}, node selections, the partitions) goes to
 * Lettuce's own cluster connection, opened on first use: Spring runs its per-node commands (KEYS,
 * FLUSHALL, cross-slot multi-key commands) there, without Waymark's retries.
 *
 * <p><b>Threading:</b> thread-safe.
 */
final class RoutedConnection implements InvocationHandler {

    private final DiscoveredRedis<?, ?> redis;
    private final Supplier<StatefulRedisClusterConnection<?, ?>> nodes;
    private final Duration timeout;
    private final Object async;
    private final Object sync;
    private final Object reactive;
    private final StatefulConnection<?, ?> self;

    /** A standalone facade. */
    @SuppressWarnings("unchecked")
    static <K, V> StatefulRedisConnection<K, V> standalone(DiscoveredRedis<K, V> redis, Duration timeout) {
        return (StatefulRedisConnection<K, V>) new RoutedConnection(redis, null, timeout).self;
    }

    /** A cluster facade; {@code nodes} opens Lettuce's own cluster connection when a node is addressed. */
    @SuppressWarnings("unchecked")
    static <K, V> StatefulRedisClusterConnection<K, V> cluster(DiscoveredRedis<K, V> redis,
            Supplier<StatefulRedisClusterConnection<?, ?>> nodes, Duration timeout) {
        return (StatefulRedisClusterConnection<K, V>) new RoutedConnection(redis, nodes, timeout).self;
    }

    private RoutedConnection(DiscoveredRedis<?, ?> redis, Supplier<StatefulRedisClusterConnection<?, ?>> nodes,
            Duration timeout) {
        this.redis = redis;
        this.nodes = nodes;
        this.timeout = timeout;
        String d = "DiscoveredRedisConnection[" + redis + "]";
        Supplier<Object> me = this::facade;
        if (nodes == null) {
            this.self = Reflection.proxy(StatefulRedisConnection.class, this);
            this.async = Reflection.proxy(RedisAsyncCommands.class,
                    new RoutedCommands(redis.async(), RedisClusterAsyncCommands.class, null, me, d));
            this.sync = Reflection.proxy(RedisCommands.class,
                    new RoutedCommands(redis.sync(), RedisClusterCommands.class, null, me, d));
            this.reactive = Reflection.proxy(RedisReactiveCommands.class,
                    new RoutedCommands(redis.reactive(), RedisClusterReactiveCommands.class, null, me, d));
        } else {
            this.self = Reflection.proxy(StatefulRedisClusterConnection.class, this);
            this.async = Reflection.proxy(RedisAdvancedClusterAsyncCommands.class, new RoutedCommands(redis.async(),
                    RedisClusterAsyncCommands.class, () -> nodes.get().async(), me, d));
            this.sync = Reflection.proxy(RedisAdvancedClusterCommands.class, new RoutedCommands(redis.sync(),
                    RedisClusterCommands.class, () -> nodes.get().sync(), me, d));
            this.reactive = Reflection.proxy(RedisAdvancedClusterReactiveCommands.class,
                    new RoutedCommands(redis.reactive(), RedisClusterReactiveCommands.class,
                            () -> nodes.get().reactive(), me, d));
        }
    }

    private Object facade() {
        return self;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return Reflection.objectMethod(proxy, method, args, "DiscoveredRedisConnection[" + redis + "]");
        }
        switch (method.getName()) {
            case "async":
                return async;
            case "sync":
                return sync;
            case "reactive":
                return reactive;
            case "isOpen":
                return true;
            case "close":
                return null;
            case "closeAsync":
                return CompletableFuture.completedFuture(null);
            case "getTimeout":
                return timeout;
            case "isMulti":
                return false;
            case "flushCommands":
                return null;
            case "setAutoFlushCommands":
                if (Boolean.TRUE.equals(args[0])) {
                    return null;
                }
                throw Reflection.unsupported(method, "every command is routed and sent on its own");
            default:
                if (nodes != null && method.getDeclaringClass() != StatefulConnection.class) {
                    // node addressing, partitions, read-from of Lettuce's own cluster connection
                    return Reflection.call(method, nodes.get(), args);
                }
                throw Reflection.unsupported(method, "the connection is shared and routed per command");
        }
    }
}
