package io.waymark.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToLongFunction;

/**
 * Writer threads that {@code INCR} keys of their own through a DiscoveredRedis (sync, async and
 * reactive in turn, one write at a time each, paced at one per millisecond), for the unplanned
 * failure scenarios. Each thread writes to one group of keys (a shard in cluster mode), so that the
 * errors and the gap after a failover are told apart per shard.
 *
 * <p>What it counts, as the failover harness does: the errors callers saw, per group; a write
 * accepted by a replica (an acknowledged {@code INCR} result not above the previous acknowledged one
 * on that key: the node lacked acknowledged writes); acknowledged writes lost (per key, the
 * acknowledged {@code INCR}s minus the final value read from the master directly).
 *
 * <p><b>Threading:</b> each writer owns its records; they are read after {@link #stop}, except the
 * counters and {@link #acknowledgedSince}, which any thread may read while the writers run.
 */
final class CounterLoad {

    /** An error a caller saw: when, in which group, what. */
    record Failure(long atNanos, int group, Throwable error) {
    }

    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final List<Writer> writers = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    final List<Failure> failures = new CopyOnWriteArrayList<>();
    final AtomicLong acknowledged = new AtomicLong();

    /**
     * @param keysOfThread the keys of each writer thread (a thread's keys are its own)
     * @param groupOfThread the group of each writer thread
     */
    CounterLoad(DiscoveredRedis<String, String> redis, List<List<String>> keysOfThread, int[] groupOfThread) {
        for (int t = 0; t < keysOfThread.size(); t++) {
            writers.add(new Writer(redis, t, keysOfThread.get(t), groupOfThread[t]));
        }
    }

    /** {@code threads} writers of one group, each with {@code keysEach} keys {@code prefix:t:i}. */
    static CounterLoad oneGroup(DiscoveredRedis<String, String> redis, String prefix, int threads, int keysEach) {
        List<List<String>> keys = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<String> own = new ArrayList<>();
            for (int i = 0; i < keysEach; i++) {
                own.add(prefix + ":" + t + ":" + i);
            }
            keys.add(own);
        }
        return new CounterLoad(redis, keys, new int[threads]);
    }

    CounterLoad start() {
        writers.forEach(w -> w.thread.start());
        return this;
    }

    /** Stops the writers after their current write. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Writer w : writers) {
            w.thread.join(15_000);
        }
    }

    /** Whether a write of {@code group} was acknowledged at or after {@code nanos} (any thread, any time). */
    boolean acknowledgedSince(int group, long nanos) {
        for (Writer w : writers) {
            long last = w.lastAck;
            if (w.group == group && last != 0 && last - nanos >= 0) {
                return true;
            }
        }
        return false;
    }

    /** The first write of {@code group} acknowledged at or after {@code nanos}, or -1 (after stop). */
    long firstAckAfter(int group, long nanos) {
        long first = -1;
        for (Writer w : writers) {
            if (w.group != group) {
                continue;
            }
            for (long t : w.acks) {
                if (t - nanos >= 0) {
                    first = first < 0 || t - first < 0 ? t : first;
                    break;
                }
            }
        }
        return first;
    }

    /** The gap after {@code nanos}: how long until {@code group}'s first acknowledged write, in ms, or -1. */
    long gapMillisAfter(int group, long nanos) {
        long first = firstAckAfter(group, nanos);
        return first < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(first - nanos);
    }

    List<Failure> failures(int group) {
        return failures.stream().filter(f -> f.group() == group).toList();
    }

    /** Acknowledged INCR results not above an earlier acknowledged one on the same key (after stop). */
    long acceptedByReplica() {
        return writers.stream().mapToLong(w -> w.acceptedByReplica).sum();
    }

    /** Per key, acknowledged INCRs beyond the final value {@code finalValue} reads from the master (after stop). */
    long acknowledgedLost(ToLongFunction<String> finalValue) {
        long lost = 0;
        for (Writer w : writers) {
            for (int k = 0; k < w.keys.size(); k++) {
                if (w.acked[k] > 0) {
                    lost += Math.max(0, Math.max(w.acked[k], w.maxAcked[k]) - finalValue.applyAsLong(w.keys.get(k)));
                }
            }
        }
        return lost;
    }

    /** Per key, how far the final value exceeds the acknowledged INCRs: writes that ran but failed (after stop). */
    long ranButFailed(ToLongFunction<String> finalValue) {
        long extra = 0;
        for (Writer w : writers) {
            for (int k = 0; k < w.keys.size(); k++) {
                extra += Math.max(0, finalValue.applyAsLong(w.keys.get(k)) - w.acked[k]);
            }
        }
        return extra;
    }

    int threads() {
        return writers.size();
    }

    private final class Writer implements Runnable {
        final Thread thread;
        final DiscoveredRedis<String, String> redis;
        final int api;
        final List<String> keys;
        final int group;
        final long[] acked;
        final long[] maxAcked;
        final List<Long> acks = new ArrayList<>();
        volatile long lastAck;
        long acceptedByReplica;

        Writer(DiscoveredRedis<String, String> redis, int index, List<String> keys, int group) {
            this.redis = redis;
            this.api = index % 3;
            this.keys = List.copyOf(keys);
            this.group = group;
            this.acked = new long[keys.size()];
            this.maxAcked = new long[keys.size()];
            this.thread = new Thread(this, "counter-writer-" + group + "-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            int k = 0;
            while (running.get()) {
                try {
                    long v = incr(keys.get(k));
                    long now = System.nanoTime();
                    acks.add(now);
                    lastAck = now;
                    if (acked[k] > 0 && v <= maxAcked[k]) {
                        acceptedByReplica++;
                    }
                    acked[k]++;
                    maxAcked[k] = Math.max(maxAcked[k], v);
                    acknowledged.incrementAndGet();
                } catch (RuntimeException e) {
                    failures.add(new Failure(System.nanoTime(), group, e));
                }
                k = (k + 1) % keys.size();
                LockSupport.parkNanos(PACE_NANOS);
            }
        }

        private long incr(String key) {
            switch (api) {
                case 0:
                    return redis.sync().incr(key);
                case 1:
                    try {
                        return redis.async().incr(key).get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    } catch (InterruptedException | TimeoutException e) {
                        throw new IllegalStateException(e);
                    }
                default:
                    return redis.reactive().incr(key).block(Duration.ofSeconds(30));
            }
        }
    }
}
