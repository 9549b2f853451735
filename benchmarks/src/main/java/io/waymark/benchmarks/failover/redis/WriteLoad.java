package io.waymark.benchmarks.failover.redis;

import io.waymark.benchmarks.failover.ClientResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Continuous writes through one {@link WriteClient}: {@code writers} threads, each doing paced
 * {@code INCR}s round robin over keys of its own. Keys fall into buckets (the shard that serves
 * them; a single bucket in standalone mode) so a failover's gap is measured on the keys it
 * affects.
 *
 * <p>Each writer owns its keys, so its acknowledged {@code INCR} results on one key must rise:
 * a result that does not exceed the previous acknowledged one came from a node that lacked
 * acknowledged writes (a replica, or a stale master), and is counted as accepted by a replica.
 *
 * <p>Threading: the writer threads own their records; {@link #ackedSince} may be called from any
 * thread while they run; everything else after {@link #stop}.
 */
final class WriteLoad {

    /** Pause between two writes of one thread, so that all clients get the same rate and CPU. */
    static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Extra pause after an error, so that a client stuck on errors does not burn the CPU the others need. */
    static final long ERROR_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final WriteClient client;
    private final int buckets;
    private final List<Writer> writers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private boolean joined;

    /**
     * @param keysPerBucket keys of each writer in each bucket
     * @param bucketOf the bucket (0..buckets-1) of a key
     */
    WriteLoad(WriteClient client, String keyPrefix, int writerCount, int buckets, int keysPerBucket,
            ToIntFunction<String> bucketOf) {
        this.client = client;
        this.buckets = buckets;
        for (int w = 0; w < writerCount; w++) {
            writers.add(new Writer(keys(keyPrefix + ":w" + w + ":", buckets, keysPerBucket, bucketOf), bucketOf));
        }
    }

    /** Keys spread over the buckets, interleaved so that every bucket is written at the same rate. */
    private static String[] keys(String prefix, int buckets, int perBucket, ToIntFunction<String> bucketOf) {
        List<List<String>> byBucket = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            byBucket.add(new ArrayList<>());
        }
        int filled = 0;
        for (int j = 0; filled < buckets; j++) {
            String key = prefix + j;
            List<String> list = byBucket.get(bucketOf.applyAsInt(key));
            if (list.size() < perBucket) {
                list.add(key);
                if (list.size() == perBucket) {
                    filled++;
                }
            }
        }
        String[] out = new String[buckets * perBucket];
        int i = 0;
        for (int k = 0; k < perBucket; k++) {
            for (List<String> list : byBucket) {
                out[i++] = list.get(k);
            }
        }
        return out;
    }

    String clientName() {
        return client.name();
    }

    void start() {
        for (int w = 0; w < writers.size(); w++) {
            Thread t = new Thread(writers.get(w), "bench-" + client.name().replaceAll("[^A-Za-z0-9]+", "-")
                    + "-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Whether some writer had a write on a key of {@code bucket} acknowledged at or after {@code nanos}. */
    boolean ackedSince(long nanos, int bucket) {
        for (Writer w : writers) {
            long last = w.lastAck.get(bucket);
            if (last != 0 && last - nanos >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Stops the writers and waits for their last call to return (bounded by {@code timeout}). */
    boolean stop(Duration timeout) throws InterruptedException {
        running = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
            all &= !t.isAlive();
        }
        joined = all;
        return all;
    }

    /**
     * The gap of one failover on {@code bucket}: the longest pause between two consecutive
     * acknowledged writes (all writers merged) from {@code issued} to the first write acknowledged
     * at or after {@code completed}; -1 if none was acknowledged before {@code issued + timeout}
     * (or if the writers did not stop, see {@link #result}). After {@link #stop}.
     */
    long gapMillis(long issued, long completed, int bucket, Duration timeout) {
        if (!joined) {
            return -1; // a writer still running owns its records: reading them now would race
        }
        long limit = issued + timeout.toNanos();
        long[] merged = new long[0];
        int n = 0;
        for (Writer w : writers) {
            LongList acks = w.acks[bucket];
            int from = acks.firstAtOrAfter(issued);
            int count = 0;
            while (from + count < acks.size && acks.values[from + count] - limit <= 0) {
                count++;
            }
            if (n + count > merged.length) {
                merged = Arrays.copyOf(merged, n + count);
            }
            System.arraycopy(acks.values, from, merged, n, count);
            n += count;
        }
        Arrays.sort(merged, 0, n);
        long prev = issued;
        long gap = 0;
        for (int i = 0; i < n; i++) {
            gap = Math.max(gap, merged[i] - prev);
            prev = merged[i];
            if (merged[i] - completed >= 0) {
                return TimeUnit.NANOSECONDS.toMillis(gap);
            }
        }
        return -1;
    }

    /**
     * How long after {@code nanos} the first write on {@code bucket} was acknowledged, in ms; -1 if none came
     * before {@code nanos + timeout}. After {@link #stop}.
     */
    long firstAckAfterMillis(long nanos, int bucket, Duration timeout) {
        if (!joined) {
            return -1;
        }
        long first = -1;
        for (Writer w : writers) {
            LongList acks = w.acks[bucket];
            int i = acks.firstAtOrAfter(nanos);
            if (i < acks.size && acks.values[i] - nanos - timeout.toNanos() <= 0
                    && (first < 0 || acks.values[i] - first < 0)) {
                first = acks.values[i];
            }
        }
        return first < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(first - nanos);
    }

    /** Errors the writers saw on keys of {@code bucket} from {@code from} (inclusive) to {@code to}. After {@link #stop}. */
    long errorsBetween(int bucket, long from, long to) {
        long n = 0;
        for (Writer w : writers) {
            LongList errs = w.errorTimes[bucket];
            n += errs.firstAtOrAfter(to) - errs.firstAtOrAfter(from);
        }
        return n;
    }

    /**
     * The client's result, after {@link #stop}: {@code finalValue} reads a key's value from the
     * master that serves it now (directly, not through the client).
     */
    ClientResult result(List<Long> gaps, ToLongFunction<String> finalValue, String extraNote) {
        if (!joined) {
            return new ClientResult(client.name(), gaps, -1, -1, -1, -1,
                    "writers did not stop within the timeout; counts unavailable");
        }
        long writes = 0;
        long errors = 0;
        long replicaAccepted = 0;
        long lost = 0;
        String firstError = null;
        for (Writer w : writers) {
            errors += w.errors;
            replicaAccepted += w.acceptedByReplica;
            if (firstError == null) {
                firstError = w.firstError;
            }
            for (int k = 0; k < w.keys.length; k++) {
                writes += w.acked[k];
                if (w.acked[k] == 0) {
                    continue;
                }
                long fin = finalValue.applyAsLong(w.keys[k]);
                // both are lower bounds of the loss: an executed but unacknowledged INCR hides a lost one from the count
                lost += Math.max(0, Math.max(w.acked[k] - fin, w.maxAcked[k] - fin));
            }
        }
        StringBuilder note = new StringBuilder(client.note());
        append(note, extraNote);
        if (firstError != null) {
            append(note, "first error: " + firstError);
        }
        return new ClientResult(client.name(), gaps, writes, errors, replicaAccepted, lost, note.toString());
    }

    private static void append(StringBuilder sb, String s) {
        if (s != null && !s.isEmpty()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(s);
        }
    }

    int buckets() {
        return buckets;
    }

    private final class Writer implements Runnable {
        final String[] keys;
        final int[] bucketOfKey;
        final long[] acked;
        final long[] maxAcked;
        final LongList[] acks;
        /** Time of the latest acknowledgement per bucket, 0 for none; read by the harness while running. */
        final AtomicLongArray lastAck;
        final LongList[] errorTimes;
        long errors;
        long acceptedByReplica;
        String firstError;

        Writer(String[] keys, ToIntFunction<String> bucketOf) {
            this.keys = keys;
            this.bucketOfKey = new int[keys.length];
            for (int k = 0; k < keys.length; k++) {
                bucketOfKey[k] = bucketOf.applyAsInt(keys[k]);
            }
            this.acked = new long[keys.length];
            this.maxAcked = new long[keys.length];
            this.acks = new LongList[buckets];
            for (int b = 0; b < buckets; b++) {
                acks[b] = new LongList();
            }
            this.lastAck = new AtomicLongArray(buckets);
            this.errorTimes = new LongList[buckets];
            for (int b = 0; b < buckets; b++) {
                errorTimes[b] = new LongList();
            }
        }

        @Override
        public void run() {
            int k = 0;
            while (running) {
                try {
                    long v = client.incr(keys[k]);
                    long now = System.nanoTime();
                    int b = bucketOfKey[k];
                    acks[b].add(now);
                    lastAck.set(b, now);
                    if (acked[k] > 0 && v <= maxAcked[k]) {
                        acceptedByReplica++;
                    }
                    acked[k]++;
                    maxAcked[k] = Math.max(maxAcked[k], v);
                } catch (RuntimeException e) {
                    errors++;
                    errorTimes[bucketOfKey[k]].add(System.nanoTime());
                    if (firstError == null) {
                        firstError = describe(e);
                    }
                    LockSupport.parkNanos(ERROR_PAUSE_NANOS);
                }
                k = (k + 1) % keys.length;
                LockSupport.parkNanos(PACE_NANOS);
            }
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        s = s.replace('|', '/').replace('\n', ' ');
        return s.length() > 90 ? s.substring(0, 90) + "..." : s;
    }

    /** A growable array of ascending nanoTime values. */
    static final class LongList {
        long[] values = new long[4096];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        /** Index of the first value at or after {@code t} (nanoTime order), or size. */
        int firstAtOrAfter(long t) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (values[mid] - t < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }
    }
}
