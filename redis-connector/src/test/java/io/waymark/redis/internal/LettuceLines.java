package io.waymark.redis.internal;

import java.lang.reflect.Method;

/**
 * What differs between the Lettuce lines the connector is built against (6.x with
 * {@code -Plettuce6}, 7.x by default), for tests that check API only one line has.
 */
final class LettuceLines {

    private LettuceLines() {
    }

    /** {@code api}'s public method, or null on a Lettuce line without it (7 dropped isOpen, setAutoFlushCommands...). */
    static Method methodOrNull(Class<?> api, String name, Class<?>... parameters) {
        try {
            return api.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
