package io.waymark.redis.internal;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    BlockingFacade(Object async, Duration commandTimeout, Duration failoverBudget) {
        this.async = async;
        this.maxWaitNanos = commandTimeout.multipliedBy(2).plus(failoverBudget).plusMillis(500).toNanos();
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            switch (method.getName()) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                default:
                    return "DiscoveredRedis.sync(" + async + ")";
            }
        }
        Method target = asyncMethods.computeIfAbsent(method, SyncFacade::asyncMethodFor);
        Object r = RoutingCore.call(async, target, args);
        if (!(r instanceof CompletionStage)) {
            return r;
        }
        try {
            return ((CompletionStage<?>) r).toCompletableFuture().get(maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable c = Failures.unwrap(e);
            if (c instanceof RuntimeException) {
                throw c;
            }
            throw new RedisException(c);
        } catch (TimeoutException e) {
            throw new RedisCommandTimeoutException("command timed out after "
                    + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisCommandInterruptedException(e);
        }
    }
}
