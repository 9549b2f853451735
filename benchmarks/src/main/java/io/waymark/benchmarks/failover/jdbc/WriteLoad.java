package io.waymark.benchmarks.failover.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A client's writer threads: each inserts rows of its own ({@code client, writer, seq}) in
 * auto-commit mode, one attempt per {@link #PACE} at most, never retrying a failed insert (the
 * next attempt is a new row). The row records the server that executed it ({@code @@server_id})
 * and when ({@code NOW(6)} on that server).
 *
 * <p>Threading: {@link #start} and {@link #stop} from one thread; the getters from any.
 */
final class WriteLoad {

    static final Duration PACE = Duration.ofMillis(10);
    /** What the writers do, for the results file. */
    static final String DESCRIPTION = "auto-commit, each writer thread at most one insert per " + PACE.toMillis()
            + " ms, a failed insert is not retried by the writer";
    static final String INSERT = "INSERT INTO writes (client, writer, seq, origin, executed)"
            + " VALUES (?, ?, ?, @@server_id, UNIX_TIMESTAMP(NOW(6)))";

    /** An acknowledged insert: {@code executeUpdate} returned. */
    record Ack(int writer, int seq, long ackNanos) {
    }

    private final WriteClient client;
    private final int writers;
    private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final LongAdder errors = new LongAdder();
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    /** host -> the latest ack time of an insert on a connection to that host. */
    private final Map<String, AtomicLong> latestAckByHost = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    WriteLoad(WriteClient client, int writers) {
        this.client = client;
        this.writers = writers;
    }

    WriteClient client() {
        return client;
    }

    void start() {
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> write(writer), client.tag() + "-writer-" + w);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    private void write(int writer) {
        int seq = 0;
        long next = System.nanoTime();
        while (!stop) {
            seq++;
            try (Connection c = client.connection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
                ps.setString(1, client.tag());
                ps.setInt(2, writer);
                ps.setInt(3, seq);
                ps.executeUpdate();
                long acked = System.nanoTime();
                acks.add(new Ack(writer, seq, acked));
                latestAckByHost.computeIfAbsent(host(c), h -> new AtomicLong()).accumulateAndGet(acked, Math::max);
            } catch (SQLException e) {
                errors.increment();
                errorKinds.computeIfAbsent(e.getErrorCode() + "/" + e.getSQLState(), k -> new LongAdder()).increment();
            } catch (RuntimeException e) {
                errors.increment();
                errorKinds.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
            }
            next += PACE.toNanos();
            long now = System.nanoTime();
            if (next > now) {
                LockSupport.parkNanos(next - now);
            } else {
                next = now;
            }
        }
    }

    /** The server host of a (delegate) connection, from its URL: no round trip. */
    private static String host(Connection c) throws SQLException {
        String url = c.getMetaData().getURL();
        int start = url.indexOf("//");
        if (start < 0) {
            return url;
        }
        start += 2;
        int end = start;
        while (end < url.length() && url.charAt(end) != ':' && url.charAt(end) != '/' && url.charAt(end) != '?') {
            end++;
        }
        return url.substring(start, end);
    }

    /** Whether an insert on {@code host} was acknowledged after {@code afterNanos}. */
    boolean wroteOn(String host, long afterNanos) {
        AtomicLong latest = latestAckByHost.get(host);
        return latest != null && latest.get() - afterNanos > 0;
    }

    /**
     * How long after {@code fromNanos} the first insert executed by {@code origin} (its
     * {@code @@server_id}, as stored in {@code rows}) was acknowledged, looking at acknowledgements
     * in [{@code fromNanos}, {@code toNanos}); -1 when there was none.
     */
    long firstAckOn(Map<Long, JdbcBench.Row> rows, int origin, long fromNanos, long toNanos) {
        long first = -1;
        for (Ack a : acks) {
            long after = a.ackNanos() - fromNanos;
            if (after >= 0 && a.ackNanos() - toNanos < 0 && (first < 0 || after < first)) {
                JdbcBench.Row r = rows.get(JdbcBench.key(a.writer(), a.seq()));
                if (r != null && r.origin() == origin) {
                    first = after;
                }
            }
        }
        return first;
    }

    int ackCount() {
        return acks.size();
    }

    List<Ack> acks() {
        return List.copyOf(acks);
    }

    long errors() {
        return errors.sum();
    }

    /** Failed attempts by error code/SQLState (or exception class). */
    Map<String, Long> errorCounts() {
        return errorKinds.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum()));
    }

    /** "1290/HY000 x 12, ..." most frequent first. */
    String errorKinds() {
        return describe(errorCounts());
    }

    /** Error counts as "1290/HY000 x 12, ...", most frequent first. */
    static String describe(Map<String, Long> counts) {
        return counts.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .map(e -> e.getKey() + " x " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** Stops the writers and waits for them (each finishes its current attempt, bounded by the pool timeout). */
    void stop() throws InterruptedException {
        stop = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Pools.CONNECTION_TIMEOUT_MILLIS + 5_000);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }
}
