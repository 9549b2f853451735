package io.waymark.benchmarks.failover.redis;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * The part every Redis scenario shares: all clients write side by side, each through its own
 * {@link WriteLoad}; failovers are issued one at a time, and each is given until every client
 * wrote again (at most {@link #RECOVERY_TIMEOUT}) before the scenario goes on.
 *
 * <p>Threading: driven by one thread; the loads run their own.
 */
final class FailoverRun implements AutoCloseable {

    /** A client that has not written again this long after a failover was issued gets the gap "never". */
    static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration FIRST_WRITE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    static final int KEYS_PER_BUCKET = 4;

    /**
     * One failover on {@code bucket}: issued, completed by the fixture; for an unplanned one, when the
     * replica was promoted (nanoTime), else 0.
     */
    private record Window(long issued, long completed, int bucket, long promoted) {
    }

    /** An unplanned failure: injects it and returns when a replica was promoted in its place (nanoTime). */
    interface Outage {
        long injectAndAwaitPromotion();
    }

    private final List<WriteClient> clients;
    private final List<WriteLoad> loads = new ArrayList<>();
    private final List<Window> windows = new ArrayList<>();
    private final HarnessSettings settings;

    FailoverRun(List<WriteClient> clients, HarnessSettings settings, int buckets, ToIntFunction<String> bucketOf) {
        this.clients = List.copyOf(clients);
        this.settings = settings;
        for (WriteClient c : clients) {
            String prefix = "bench:" + c.name().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            loads.add(new WriteLoad(c, prefix, settings.writers(), buckets, KEYS_PER_BUCKET, bucketOf));
        }
    }

    /**
     * Starts every load, waits (bounded) until each has written to every bucket, then lets them
     * run for the settle time so that no client meets the first failover while still warming up.
     */
    void start() throws InterruptedException {
        long since = System.nanoTime();
        loads.forEach(WriteLoad::start);
        awaitUntil(FIRST_WRITE_TIMEOUT, () -> loads.stream().allMatch(l -> {
            for (int b = 0; b < l.buckets(); b++) {
                if (!l.ackedSince(since, b)) {
                    return false;
                }
            }
            return true;
        }));
        settle();
    }

    /**
     * Issues one failover ({@code action} returns once the fixture completed it) and waits until
     * every client wrote to {@code bucket} again, or {@link #RECOVERY_TIMEOUT} after the issue.
     */
    void failover(int bucket, Runnable action) {
        long issued = System.nanoTime();
        action.run();
        long completed = System.nanoTime();
        windows.add(new Window(issued, completed, bucket, 0));
        // progress on stderr: the table on stdout is the product
        System.err.printf(Locale.ROOT, "failover %d (bucket %d) took %d ms in the fixture%n", windows.size(), bucket,
                TimeUnit.NANOSECONDS.toMillis(completed - issued));
        long left = RECOVERY_TIMEOUT.toNanos() - (System.nanoTime() - issued);
        awaitUntil(Duration.ofNanos(Math.max(0, left)), () -> loads.stream().allMatch(l -> l.ackedSince(completed, bucket)));
    }

    /**
     * Injects one unplanned failure on {@code bucket}'s master and waits until every client wrote to
     * {@code bucket} again after the promotion, or {@link #RECOVERY_TIMEOUT} after it. The gap of such a
     * failover is from the promotion to the first acknowledged write on the bucket.
     */
    void outage(int bucket, Outage outage) {
        long issued = System.nanoTime();
        long promoted = outage.injectAndAwaitPromotion();
        windows.add(new Window(issued, promoted, bucket, promoted));
        System.err.printf(Locale.ROOT, "outage %d (bucket %d): promoted %d ms after the fault%n", windows.size(),
                bucket, TimeUnit.NANOSECONDS.toMillis(promoted - issued));
        awaitUntil(RECOVERY_TIMEOUT, () -> loads.stream().allMatch(l -> l.ackedSince(promoted, bucket)));
    }

    /** Lets things settle between failovers, as the settings ask. */
    void settle() throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(settings.settleBetween().toMillis());
    }

    /**
     * Stops the writers and computes one result per client, in the clients' order;
     * {@code finalValue} reads a key from the master serving it, not through a client.
     */
    List<ClientResult> finish(ToLongFunction<String> finalValue) throws InterruptedException {
        for (WriteLoad l : loads) {
            l.stop(STOP_TIMEOUT);
        }
        List<ClientResult> results = new ArrayList<>();
        for (int i = 0; i < loads.size(); i++) {
            WriteLoad l = loads.get(i);
            List<Long> gaps = new ArrayList<>();
            int never = 0;
            for (Window w : windows) {
                long g = w.promoted() != 0 ? l.firstAckAfterMillis(w.promoted(), w.bucket(), RECOVERY_TIMEOUT)
                        : l.gapMillis(w.issued(), w.completed(), w.bucket(), RECOVERY_TIMEOUT);
                gaps.add(g);
                if (g < 0) {
                    never++;
                }
            }
            String extra = never == 0 ? "" : never + "/" + windows.size() + " failovers without a write within "
                    + RECOVERY_TIMEOUT.toSeconds() + " s";
            if (l.buckets() > 1) {
                extra = (extra.isEmpty() ? "" : extra + "; ") + errorsByShard(l);
            }
            System.err.printf(Locale.ROOT, "%s: gaps %s ms%n", l.clientName(), gaps);
            results.add(l.result(gaps, finalValue, extra));
        }
        return results;
    }

    /** The errors from each failover to the next, on the shard that failed and on the others. */
    private String errorsByShard(WriteLoad l) {
        long onFailed = 0;
        long onOthers = 0;
        for (int i = 0; i < windows.size(); i++) {
            Window w = windows.get(i);
            long to = i + 1 < windows.size() ? windows.get(i + 1).issued() : Long.MAX_VALUE;
            for (int b = 0; b < l.buckets(); b++) {
                long n = l.errorsBetween(b, w.issued(), to == Long.MAX_VALUE ? System.nanoTime() : to);
                if (b == w.bucket()) {
                    onFailed += n;
                } else {
                    onOthers += n;
                }
            }
        }
        return "caller errors on the failed shard " + onFailed + ", on the other shards " + onOthers;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (WriteLoad l : loads) {
            try {
                l.stop(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (WriteClient c : clients) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Polls {@code condition} every 10 ms until it holds or {@code timeout} passed; returns whether it held. */
    static boolean awaitUntil(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
