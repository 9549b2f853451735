package io.waymark.redis.internal;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sync interface: each call runs the routed async method of the same signature and
 * waits, the way Lettuce builds its own sync API, but straight through {@link RoutingCore}
 * rather than through the async proxy (one proxy and one reflective call per command, as in
 * Lettuce).
 */
final class SyncFacade implements InvocationHandler {

    private final RoutingCore<?, ?> core;
    /** The route of each sync method, its async twin found once. */
    private final Map<Method, RoutingCore.Route> routes = new ConcurrentHashMap<>();

    SyncFacade(RoutingCore<?, ?> core) {
        this.core = core;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return core.objectMethod(proxy, method, args, "sync");
        }
        RoutingCore.Route route = routes.get(method);
        if (route == null) {
            route = routes.computeIfAbsent(method, m -> core.route(asyncMethodFor(m)));
        }
        return core.sync(route, args);
    }

    static Method asyncMethodFor(Method sync) {
        try {
            return RedisClusterAsyncCommands.class.getMethod(sync.getName(), sync.getParameterTypes());
        } catch (NoSuchMethodException e) {
            throw new UnsupportedOperationException(sync.getName() + " has no async equivalent", e);
        }
    }
}
