package io.waymark.discovery;

import java.time.Duration;

/** Builds {@link DiscoveryStats} with chosen values (its constructor is package-private), for binder tests. */
public final class StatsFixture {

    private StatsFixture() {
    }

    /** Every counter set to a distinct value, so that a meter reading the wrong one shows it. */
    public static DiscoveryStats distinct() {
        long[] errors = new long[DiscoveryStats.ErrorKind.values().length];
        for (int i = 0; i < errors.length; i++) {
            errors[i] = 10 + i;
        }
        return new DiscoveryStats(3, 100, errors, 7, 5, Duration.ofSeconds(42), 2, 1, 4, 6);
    }
}
