package io.waymark.discovery;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks and the arithmetic on settings that must never overflow: every message
 * names the setting and quotes the value (shortened, so a huge value is not echoed whole).
 */
final class Checks {

    /** Longest value quoted in a message. */
    static final int MAX_QUOTED = 100;

    private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);
    private static final Duration MAX_INT_MILLIS = Duration.ofMillis(Integer.MAX_VALUE);

    private Checks() {
    }

    /** Throws {@code IllegalArgumentException(message)} unless {@code condition}. */
    static void requireArgument(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** {@code d}, non-null and above zero. */
    static Duration positive(String setting, Duration d) {
        Objects.requireNonNull(d, setting);
        requireArgument(!d.isNegative() && !d.isZero(), setting + " must be positive: " + d);
        return d;
    }

    /** {@code d}, non-null and within {@code min..max}; {@code range} is how the message shows those. */
    static Duration inRange(String setting, Duration d, Duration min, Duration max, String range) {
        Objects.requireNonNull(d, setting);
        requireArgument(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, setting + " must be in " + range + ": " + d);
        return d;
    }

    /** {@code d}, non-null and zero or at least {@code min}; {@code expected} is how the message shows that. */
    static Duration zeroOrAtLeast(String setting, Duration d, Duration min, String expected) {
        Objects.requireNonNull(d, setting);
        requireArgument(d.isZero() || d.compareTo(min) >= 0, setting + " must be " + expected + ": " + d);
        return d;
    }

    /** {@code d} in nanoseconds, saturated at {@link Long#MAX_VALUE} (about 292 years): never overflows. */
    static long nanos(Duration d) {
        return d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }

    /** {@code d} in milliseconds, saturated at {@link Integer#MAX_VALUE} (about 24 days), as sockets and OkHttp take them. */
    static int intMillis(Duration d) {
        return d.compareTo(MAX_INT_MILLIS) >= 0 ? Integer.MAX_VALUE : (int) d.toMillis();
    }

    /** {@code a + b} saturated at the largest {@link Duration}'s worth of nanoseconds. */
    static long addNanos(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /** {@code 'value'}, cut to {@value #MAX_QUOTED} characters with a note of the full length. */
    static String quote(String value) {
        if (value.length() <= MAX_QUOTED) {
            return "'" + value + "'";
        }
        return "'" + value.substring(0, MAX_QUOTED) + "...' (" + value.length() + " characters)";
    }

    /** A character as it may be printed: itself when visible ASCII, else {@code U+XXXX}. */
    static String describe(char ch) {
        return ch >= 0x21 && ch < 0x7f ? "'" + ch + "'" : String.format("U+%04X", (int) ch);
    }
}
