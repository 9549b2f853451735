package io.waymark.discovery;

import io.waymark.testkit.Teardown;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened ({@link #track}), closed after it, the last opened first (as try-with-resources
 * would): register one as a {@code @RegisterExtension} field; it also serves the {@code @Nested}
 * classes.
 *
 * <p>Threading: for the test's thread.
 */
final class Opened implements AfterEachCallback {

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Closes {@code resource} after the running test; returns it. */
    <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<AutoCloseable> all = new ArrayList<>(resources);
        resources.clear();
        Collections.reverse(all);
        Teardown.closeAll(all.toArray(AutoCloseable[]::new));
    }
}
