package io.waymark.jdbc.internal;

/** Moves a service's counters, for tests outside this package (the counters are package-private). */
public final class Counting {

    private Counting() {
    }

    /** One of each event for {@code service}, {@code n} times; the failover from a primary to another. */
    public static void everything(String service, int n) {
        JdbcCounters c = JdbcCounters.of(service);
        for (int i = 0; i < n; i++) {
            c.statementsReRun.increment();
            c.probes.increment();
            c.connectionsInvalidated.increment();
            c.connectionsCutOff.increment();
            c.splitBrains.increment();
            c.primaryAt("10.0.0." + (i % 2 + 1) + ":3306");
        }
    }
}
