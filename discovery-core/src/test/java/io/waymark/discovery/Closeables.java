package io.waymark.discovery;

/**
 * Teardown for tests: closes what a test class opened, in the order given, so that one failing
 * close never keeps the later ones from running. Published with {@link InMemoryDiscovery} in
 * discovery-core's test-jar, for the ITs of every module.
 *
 * <p>Threading: stateless.
 */
public final class Closeables {

    private Closeables() {
    }

    /**
     * Closes each of {@code resources} that was opened (a null one was not), every one even when one
     * fails; then throws an IllegalStateException for the first failure, the later ones suppressed.
     */
    public static void closeAll(AutoCloseable... resources) {
        RuntimeException failure = null;
        for (AutoCloseable r : resources) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + r + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
