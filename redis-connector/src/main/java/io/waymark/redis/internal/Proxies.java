package io.waymark.redis.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.reactivestreams.Publisher;

/**
 * The dynamic proxies behind the command interfaces, the way Lettuce builds its own: how they
 * are made, and how they answer {@link Object}'s methods (identity, and a description that names
 * no secret).
 */
final class Proxies {

    private Proxies() {
    }

    /** A proxy of {@code type} over {@code handler}, in the connector's class loader. */
    @SuppressWarnings("unchecked")
    static <T> T of(Class<?> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    /** {@code equals}, {@code hashCode} or {@code toString} of {@code proxy}. */
    static Object objectMethod(Object proxy, Method method, Object[] args, String description) {
        switch (method.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            default:
                return description;
        }
    }

    /** Calls {@code method} on {@code target}, throwing what it throws. */
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

    /** {@link #call} of an async method: its future, or a completed one for a void method. */
    @SuppressWarnings("unchecked")
    static CompletionStage<Object> stage(Object asyncApi, Method method, Object[] args) {
        Object r = call(asyncApi, method, args);
        // void methods (SHUTDOWN, DEBUG SEGFAULT) send and return nothing to wait for
        return r == null ? CompletableFuture.completedFuture(null) : (CompletionStage<Object>) r;
    }

    /** {@link #call} of a reactive method. */
    @SuppressWarnings("unchecked")
    static Publisher<Object> publisher(Object reactiveApi, Method method, Object[] args) {
        return (Publisher<Object>) call(reactiveApi, method, args);
    }

    /** What a caller of a method that would change the state of a shared connection gets. */
    static UnsupportedOperationException unsupported(Method method, Object[] args) {
        String what = method.getName().equals("dispatch") && args != null && args.length > 0
                ? "dispatch(" + args[0] + ")" : method.getName();
        return new UnsupportedOperationException(what + " changes one connection's state and cannot be routed: "
                + "configure it in DiscoveredRedisBuilder, or run it in withWriteConnection (MULTI/EXEC, WATCH)");
    }
}
