package io.waymark.micrometer;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One stats snapshot shared by every meter of a binder for a short while: a scrape reads a dozen
 * meters, and each would otherwise take a snapshot of its own (each snapshot walks the watches or
 * the topology). A snapshot older than the maximum age is taken again on the next read.
 *
 * <p><b>Threading:</b> thread-safe; concurrent reads of an expired snapshot may each take one,
 * which is harmless (the last one wins).
 */
final class Snapshot<T> {

    /** Long enough to serve a whole scrape, short enough that no scrape sees the previous one's values. */
    static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Supplier<T> source;
    private final LongSupplier nanoTime;
    private volatile @Nullable Taken<T> last;

    private record Taken<T>(T value, long at) {
    }

    Snapshot(Supplier<T> source, LongSupplier nanoTime) {
        this.source = Objects.requireNonNull(source, "source");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    T get() {
        long now = nanoTime.getAsLong();
        Taken<T> t = last;
        if (t == null || now - t.at() > MAX_AGE_NANOS) {
            t = new Taken<>(Objects.requireNonNull(source.get(), "stats snapshot"), now);
            last = t;
        }
        return t.value();
    }
}
