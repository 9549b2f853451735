package io.waymark.discovery;

import java.util.function.LongSupplier;

/**
 * Rate limit of one watch loop: a flapping service must not make the loop spin against
 * the agent. Reservations may drive the balance negative; the caller then waits the
 * returned time, so bursts are smoothed rather than dropped.
 *
 * <p>Threading: thread-safe (synchronized; contention is one loop plus refreshes).
 */
final class TokenBucket {

    private final double capacity;
    private final double nanosPerToken;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    TokenBucket(double permitsPerSecond, int burst, LongSupplier nanoTime) {
        if (!(permitsPerSecond > 0)) {
            throw new IllegalArgumentException("permitsPerSecond must be > 0: " + permitsPerSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1: " + burst);
        }
        this.capacity = burst;
        this.nanosPerToken = 1e9 / permitsPerSecond;
        this.nanoTime = nanoTime;
        this.tokens = burst;
        this.last = nanoTime.getAsLong();
    }

    /** Takes one permit; returns how many nanoseconds to wait before using it (0: now). */
    synchronized long reserve() {
        long now = nanoTime.getAsLong();
        tokens = Math.min(capacity, tokens + (now - last) / nanosPerToken);
        last = now;
        tokens -= 1;
        if (tokens >= 0) {
            return 0;
        }
        // the epsilon keeps float noise from adding a nanosecond
        return (long) Math.ceil(-tokens * nanosPerToken - 1e-3);
    }
}
