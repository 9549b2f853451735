package io.waymark.benchmarks.failover;

import java.time.Duration;

/** The knobs every scenario takes. */
public record HarnessSettings(int failovers, int writers, Duration checkInterval, Duration settleBetween) {

    public HarnessSettings {
        if (failovers < 1) {
            throw new IllegalArgumentException("failovers must be at least 1: " + failovers);
        }
        if (writers < 1) {
            throw new IllegalArgumentException("writers must be at least 1: " + writers);
        }
        if (checkInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("checkInterval must be at least 1s (Consul's minimum): " + checkInterval);
        }
    }
}
