package io.waymark.spring.redis;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One of Lettuce's command interfaces as Spring Data Redis asks for it ({@code RedisAsyncCommands},
 * {@code RedisAdvancedClusterAsyncCommands}, their sync and reactive forms), answered by the
 * matching {@link io.waymark.redis.DiscoveredRedis} interface, which routes every command with its
 * fencing and retry rules. A method the routed interface lacks goes to Lettuce's own cluster
 * connection when there is one (node selection in cluster mode), and is refused otherwise:
 * transactions ({@code MULTI}, {@code WATCH}) and {@code SELECT} need a connection of their own.
 *
 * <p><b>Threading:</b> thread-safe; each method's target is worked out once.
 */
final class RoutedCommands implements InvocationHandler {

    private static final Set<String> PINNED = Set.of("multi", "exec", "discard", "watch", "unwatch", "select",
            "swapdb", "auth", "readOnly", "readWrite", "clientSetname", "clientSetinfo", "reset");

    private enum Kind { ROUTED, SELF, NODES, REFUSED }

    private record Target(Kind kind, Method method) {
    }

    private final Object routed;
    private final Class<?> routedType;
    private final Supplier<Object> nodes;
    private final Supplier<Object> self;
    private final String description;
    private final Map<Method, Target> targets = new ConcurrentHashMap<>();

    /**
     * @param routed the DiscoveredRedis interface that runs the commands
     * @param routedType its type ({@code RedisClusterAsyncCommands}...)
     * @param nodes Lettuce's own commands of the same form for what the routed type lacks, or null
     * @param self the stateful connection facade, for {@code getStatefulConnection()}
     */
    RoutedCommands(Object routed, Class<?> routedType, Supplier<Object> nodes, Supplier<Object> self,
            String description) {
        this.routed = routed;
        this.routedType = routedType;
        this.nodes = nodes;
        this.self = self;
        this.description = description;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return Reflection.objectMethod(proxy, method, args, description);
        }
        Target t = targets.get(method);
        if (t == null) {
            t = targets.computeIfAbsent(method, this::target);
        }
        return switch (t.kind()) {
            case ROUTED -> Reflection.call(t.method(), routed, args);
            case SELF -> self.get();
            case NODES -> Reflection.call(method, nodes.get(), args);
            default -> throw Reflection.unsupported(method, PINNED.contains(method.getName())
                    ? "it changes the state of one connection, and commands here are routed over shared ones "
                            + "(use DiscoveredRedis.withWriteConnection for a transaction)"
                    : "the routed interface has no such command");
        };
    }

    private Target target(Method m) {
        if (m.getName().equals("getStatefulConnection") && m.getParameterCount() == 0) {
            return new Target(Kind.SELF, null);
        }
        if (PINNED.contains(m.getName())) {
            return new Target(Kind.REFUSED, null);
        }
        if (m.getDeclaringClass().isAssignableFrom(routedType)) {
            return new Target(Kind.ROUTED, m);
        }
        try {
            // an override of a routed command (cluster-wide DEL, MGET...): the routed one splits by slot itself
            return new Target(Kind.ROUTED, routedType.getMethod(m.getName(), m.getParameterTypes()));
        } catch (NoSuchMethodException e) {
            return new Target(nodes != null ? Kind.NODES : Kind.REFUSED, null);
        }
    }
}
