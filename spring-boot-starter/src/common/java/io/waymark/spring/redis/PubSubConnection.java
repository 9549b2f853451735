package io.waymark.spring.redis;

import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.lettuce.core.pubsub.api.sync.RedisPubSubCommands;
import io.waymark.redis.DiscoveredPubSub;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StatefulRedisPubSubConnection} over a {@link DiscoveredPubSub}, for Spring Data Redis'
 * subscriptions ({@code RedisMessageListenerContainer}, Spring Session): listeners, SUBSCRIBE,
 * PSUBSCRIBE and their opposites, PING; the subscriptions follow failovers (see DiscoveredPubSub for
 * the gaps). Closing it closes the DiscoveredPubSub.
 *
 * <p><b>Threading:</b> thread-safe.
 */
final class PubSubConnection implements InvocationHandler {

    private final DiscoveredPubSub<Object, Object> pubSub;
    private final Duration timeout;
    private final Object self;
    private final Object async;
    private final Object sync;

    @SuppressWarnings("unchecked")
    static <K, V> StatefulRedisPubSubConnection<K, V> of(DiscoveredPubSub<K, V> pubSub, Duration timeout) {
        return (StatefulRedisPubSubConnection<K, V>) new PubSubConnection(
                (DiscoveredPubSub<Object, Object>) (DiscoveredPubSub<?, ?>) pubSub, timeout).self;
    }

    private PubSubConnection(DiscoveredPubSub<Object, Object> pubSub, Duration timeout) {
        this.pubSub = pubSub;
        this.timeout = timeout;
        this.self = Reflection.proxy(StatefulRedisPubSubConnection.class, this);
        this.async = Reflection.proxy(RedisPubSubAsyncCommands.class, (p, m, a) -> command(p, m, a, false));
        this.sync = Reflection.proxy(RedisPubSubCommands.class, (p, m, a) -> command(p, m, a, true));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return Reflection.objectMethod(proxy, method, args, "DiscoveredPubSubConnection[" + pubSub + "]");
        }
        switch (method.getName()) {
            case "async":
                return async;
            case "sync":
                return sync;
            case "isOpen":
                return !pubSub.isClosed();
            case "close":
                pubSub.close();
                return null;
            case "closeAsync":
                pubSub.close();
                return CompletableFuture.completedFuture(null);
            case "getTimeout":
                return timeout;
            case "addListener":
                if (args[0] instanceof RedisPubSubListener<?, ?> l) {
                    pubSub.addListener(cast(l));
                    return null;
                }
                break;
            case "removeListener":
                if (args[0] instanceof RedisPubSubListener<?, ?> l) {
                    pubSub.removeListener(cast(l));
                    return null;
                }
                break;
            default:
                break;
        }
        throw Reflection.unsupported(method, "a Pub/Sub connection that follows failovers takes subscriptions only");
    }

    @SuppressWarnings("unchecked")
    private static RedisPubSubListener<Object, Object> cast(RedisPubSubListener<?, ?> l) {
        return (RedisPubSubListener<Object, Object>) l;
    }

    private Object command(Object proxy, Method method, Object[] args, boolean blocking) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return Reflection.objectMethod(proxy, method, args, "DiscoveredPubSubCommands[" + pubSub + "]");
        }
        CompletableFuture<?> result;
        switch (method.getName()) {
            case "subscribe" -> result = pubSub.subscribe(keys(args));
            case "unsubscribe" -> result = pubSub.unsubscribe(keys(args));
            case "psubscribe" -> result = pubSub.psubscribe(keys(args));
            case "punsubscribe" -> result = pubSub.punsubscribe(keys(args));
            // Spring pings after unsubscribing to wait for the confirmations: those came with the futures
            case "ping" -> result = CompletableFuture.completedFuture("PONG");
            case "getStatefulConnection" -> {
                return self;
            }
            default -> throw Reflection.unsupported(method,
                    "a Pub/Sub connection that follows failovers takes subscriptions only");
        }
        if (!blocking) {
            return RedisFutures.of(result);
        }
        Object v = result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return method.getReturnType() == void.class ? null : v;
    }

    private static List<Object> keys(Object[] args) {
        if (args == null || args.length == 0) {
            return List.of();
        }
        Object[] keys = (Object[]) args[0];
        return keys == null ? List.of() : Arrays.asList(keys);
    }
}
