package io.waymark.spring.redis;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;

/** The one place the facades build proxies and call through them. */
final class Reflection {

    private Reflection() {
    }

    static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(Reflection.class.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** Calls {@code method} on {@code target}, throwing what the method threw (not a reflection wrapper). */
    static Object call(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** equals, hashCode and toString of a proxy, by identity. */
    static Object objectMethod(Object proxy, Method method, Object[] args, String description) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> description;
        };
    }

    static UnsupportedOperationException unsupported(Method method, String why) {
        return new UnsupportedOperationException(method.getDeclaringClass().getSimpleName() + "." + method.getName()
                + Arrays.toString(method.getParameterTypes()).replace('[', '(').replace(']', ')') + " is not supported "
                + "on a DiscoveredRedis connection: " + why);
    }
}
