package io.waymark.benchmarks.jmh;

/** What the benchmarks' trial set-ups share. */
final class Trial {

    private Trial() {
    }

    /**
     * Fails the trial with {@code what} unless {@code ok}: a set-up that is not what the benchmark
     * says (a client on the wrong node, a cache not filled) would measure something else.
     */
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
