package io.waymark.testkit;

/** Runs teardown steps so that one failing step never keeps the later ones from running. */
final class Cleanup {

    private Cleanup() {}

    /** Runs every step in order; then rethrows the first failure, the later ones suppressed. */
    static void runAll(Runnable... steps) {
        Throwable first = null;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException | Error e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    /**
     * Runs every step in order after {@code failure} (a failed start), which stays the exception
     * the caller sees: failures of the steps are added to it as suppressed.
     */
    static void runAllAfter(Throwable failure, Runnable... steps) {
        try {
            runAll(steps);
        } catch (RuntimeException | Error e) {
            failure.addSuppressed(e);
        }
    }
}
