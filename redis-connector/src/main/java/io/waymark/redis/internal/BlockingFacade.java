package io.waymark.redis.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A sync interface as a proxy over a routed async proxy, the way Lettuce builds its own
 * sync API: each call runs the async method of the same signature and waits. Cluster mode
 * uses it over {@link ClusterRetry}'s async proxy; standalone mode has the shorter path of
 * {@link SyncFacade}, straight into {@link RoutingCore}.
 *
 * <p>The wait is bounded by the failover budget plus twice the command timeout (one
 * attempt on the old master, one on the new), as a safety net: Lettuce's own command
 * timeout normally ends the wait first.
 */
final class BlockingFacade implements InvocationHandler {

    private final Object async;
    private final long maxWaitNanos;
    private final Map<Method, Method> asyncMethods = new ConcurrentHashMap<>();
    private final CommandClassifier classifier = new CommandClassifier();

    BlockingFacade(Object async, Duration commandTimeout, Duration failoverBudget) {
        this.async = async;
        this.maxWaitNanos = commandTimeout.multipliedBy(2).plus(failoverBudget).plusMillis(500).toNanos();
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return Proxies.objectMethod(proxy, method, args, "DiscoveredRedis.sync(" + async + ")");
        }
        Method target = asyncMethods.computeIfAbsent(method, SyncFacade::asyncMethodFor);
        Object r = Proxies.call(async, target, args);
        if (!(r instanceof CompletionStage)) {
            return r;
        }
        // a blocking command may wait on the server as long as it was told: BlockingTimeouts bounds it
        long wait = classifier.classify(target, args) == CommandKind.BLOCKING ? 0 : maxWaitNanos;
        return Await.get(((CompletionStage<?>) r).toCompletableFuture(), wait);
    }
}
