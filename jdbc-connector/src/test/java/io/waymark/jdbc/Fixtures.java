package io.waymark.jdbc;

/** What the ITs of this module share around the testkit's fixtures. */
final class Fixtures {

    private Fixtures() {
    }

    /** Closes each of {@code fixtures} that was started (null ones were not), every one even when one fails. */
    static void closeAll(AutoCloseable... fixtures) {
        RuntimeException failure = null;
        for (AutoCloseable f : fixtures) {
            try {
                if (f != null) {
                    f.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + f + " failed", e);
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
