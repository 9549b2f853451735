package io.waymark.testkit;

import java.util.Arrays;
import java.util.Objects;

/**
 * Closes what a test started, in the order given, every one even when one fails: the fixtures and
 * the clients of a test class, in its {@code @AfterAll}, whatever part of its start-up got done.
 *
 * <pre>{@code
 * @AfterAll
 * void stop() {
 *   Teardown.closeAll(client, consul, replication); // a null one was never started
 * }
 * }</pre>
 *
 * <p>Threading: stateless; the closes run on the caller's thread.
 */
public final class Teardown {

    private Teardown() {}

    /**
     * Closes each of {@code resources} that is not null, in order; then throws the first failure (a
     * checked exception wrapped in an IllegalStateException naming the resource), the later ones
     * added to it as suppressed.
     */
    public static void closeAll(AutoCloseable... resources) {
        Cleanup.runAll(Arrays.stream(resources).filter(Objects::nonNull)
                .<Runnable>map(r -> () -> close(r)).toArray(Runnable[]::new));
    }

    private static void close(AutoCloseable resource) {
        try {
            resource.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing " + resource + " failed", e);
        }
    }
}
