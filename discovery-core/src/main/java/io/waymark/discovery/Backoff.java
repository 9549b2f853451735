package io.waymark.discovery;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Jittered exponential backoff ("equal jitter"): half the exponential delay is fixed,
 * the other half random, so watches that failed together do not retry together.
 */
final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private final DoubleSupplier random;

    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initialNanos = Checks.nanos(initial);
        this.maxNanos = Checks.nanos(max);
        this.random = random;
    }

    /** The delay before retry number {@code failures} (1 for the first failure). */
    long delayNanos(int failures) {
        int shift = Math.max(0, Math.min(failures - 1, 30));
        long exp = initialNanos << shift;
        if (exp <= 0 || exp > maxNanos || (exp >> shift) != initialNanos) {
            exp = maxNanos;
        }
        long half = exp / 2;
        return half + (long) (random.getAsDouble() * (exp - half));
    }
}
