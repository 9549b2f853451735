package io.waymark.examples.demo;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's application: writer threads that {@code INCR} counters spread over many keys (so
 * that an acknowledged increment can be checked afterwards: none lost, none applied twice), a
 * reader thread, and a probe writer on one key whose acknowledgement times show the write gap.
 */
final class Workload implements AutoCloseable {

    static final int KEYS_PER_WRITER = 64;

    private final DiscoveredRedis<String, String> redis;
    private final String probeKey;
    private final int writers;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLongArray acked;
    final LongAdder writes = new LongAdder();
    final LongAdder reads = new LongAdder();
    final LongAdder errors = new LongAdder();
    final ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
    /** Nanotimes of the probe's acknowledged writes, appended by the probe thread only. */
    private final long[] probeAcks = new long[4_000_000];
    private final AtomicLong probeCount = new AtomicLong();
    private volatile boolean running = true;

    Workload(DiscoveredRedis<String, String> redis, String probeKey, int writers) {
        this.redis = redis;
        this.probeKey = probeKey;
        this.writers = writers;
        this.acked = new AtomicLongArray(writers * KEYS_PER_WRITER);
    }

    static String key(int writer, int k) {
        return "demo:" + writer + ":" + k;
    }

    void start() {
        RedisClusterCommands<String, String> sync = redis.sync();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(daemon("demo-writer-" + w, () -> {
                long seq = 0;
                while (running) {
                    int k = (int) (seq++ % KEYS_PER_WRITER);
                    try {
                        sync.incr(key(writer, k));
                        acked.incrementAndGet(writer * KEYS_PER_WRITER + k);
                        writes.increment();
                    } catch (RuntimeException e) {
                        error(e);
                    }
                }
            }));
        }
        threads.add(daemon("demo-reader", () -> {
            long seq = 0;
            while (running) {
                try {
                    sync.get(key((int) (seq % writers), (int) (seq++ % KEYS_PER_WRITER)));
                    reads.increment();
                } catch (RuntimeException e) {
                    error(e);
                }
            }
        }));
        threads.add(daemon("demo-probe", () -> {
            while (running) {
                try {
                    sync.set(probeKey, Long.toString(System.nanoTime()));
                    long n = probeCount.get();
                    if (n < probeAcks.length) {
                        probeAcks[(int) n] = System.nanoTime();
                        probeCount.lazySet(n + 1);
                    }
                    writes.increment();
                } catch (RuntimeException e) {
                    error(e);
                }
            }
        }));
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void error(RuntimeException e) {
        errors.increment();
        if (firstErrors.size() < 5) {
            firstErrors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The first probe acknowledgement at or after {@code nanos}, or -1. */
    long firstProbeAckAfter(long nanos) {
        long n = probeCount.get();
        for (int i = 0; i < n; i++) {
            if (probeAcks[i] >= nanos) {
                return probeAcks[i];
            }
        }
        return -1;
    }

    /** The longest pause between two acknowledged probe writes that ended after {@code fromNanos}, in ns. */
    long longestProbeGapAfter(long fromNanos) {
        long n = probeCount.get();
        long gap = 0;
        for (int i = 1; i < n; i++) {
            if (probeAcks[i] >= fromNanos) {
                gap = Math.max(gap, probeAcks[i] - probeAcks[i - 1]);
            }
        }
        return gap;
    }

    /**
     * Keys whose counter is below the increments acknowledged to us (an acknowledged write was
     * lost) or above it (an increment ran although the caller was told it failed, or ran twice):
     * key -> "stored/acked".
     */
    Map<String, String> verify() {
        Map<String, String> wrong = new TreeMap<>();
        RedisClusterCommands<String, String> sync = redis.sync();
        for (int w = 0; w < writers; w++) {
            for (int k = 0; k < KEYS_PER_WRITER; k++) {
                String stored = sync.get(key(w, k));
                long ack = acked.get(w * KEYS_PER_WRITER + k);
                long value = stored == null ? 0 : Long.parseLong(stored);
                if (value != ack) {
                    wrong.put(key(w, k), value + "/" + ack);
                }
            }
        }
        return wrong;
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
