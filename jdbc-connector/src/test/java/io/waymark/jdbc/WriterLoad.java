package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Writer threads inserting {@code (writer, seq, origin)} rows into {@code events} through a
 * {@code jdbc:consul:} pool during a switchover, recording what was acknowledged and what failed
 * (a failed insert is never retried by the writer), and the checks every switchover test makes
 * afterwards: every acknowledged row is stored, by one of the two servers, and none that started
 * after the demotion by the old primary.
 *
 * <p>Threading: the writers are its own threads; the rest is for the test's thread.
 */
final class WriterLoad implements AutoCloseable {

    /** An acknowledged insert: which writer, which row, and the server the connection was on. */
    record Ack(int writer, int seq, String server, long startedNanos, long ackedNanos) {
    }

    /** An insert that failed in the writer's hands: which row, when it started and when it failed, and why. */
    record Failure(int writer, int seq, long startedNanos, long failedNanos, SQLException error) {
    }

    private final DataSource pool;
    private final int firstWriter;
    private final int writers;
    private final boolean autoCommit;
    private final Queue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final Queue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    private WriterLoad(DataSource pool, int firstWriter, int writers, boolean autoCommit) {
        this.pool = pool;
        this.firstWriter = firstWriter;
        this.writers = writers;
        this.autoCommit = autoCommit;
    }

    /**
     * Starts {@code writers} threads numbered from {@code firstWriter}. With {@code autoCommit}
     * each insert is one auto-commit statement ({@code origin} is the server's {@code @@server_id});
     * else each is a transaction that reads {@code @@server_id} first and commits (the pool must
     * hand out connections with auto-commit off).
     */
    static WriterLoad start(DataSource pool, int firstWriter, int writers, boolean autoCommit) {
        WriterLoad load = new WriterLoad(pool, firstWriter, writers, autoCommit);
        for (int w = 0; w < writers; w++) {
            int writer = firstWriter + w;
            Thread t = new Thread(() -> load.write(writer), "writer-" + writer);
            t.start();
            load.threads.add(t);
        }
        return load;
    }

    /**
     * The auto-commit switchover of the ITs on a plain and on a secured Consul: {@code writers}
     * auto-commit writers numbered from {@code firstWriter} insert through {@code pool} while
     * {@code db}'s primary moves to {@code newPrimary}, until every writer got an insert through
     * there. No insert may fail in the callers' hands (a pooled connection still on the demoted
     * primary has its insert refused as read-only and re-run on the new one), every acknowledged
     * one is stored, none that started after the demotion by the old primary.
     *
     * @param label what the printed line names (the delegate, the Consul)
     */
    static void autoCommitSwitchover(DataSource pool, int firstWriter, int writers, MariaDbReplication db,
            MariaDbNode newPrimary, int oldId, int newId, String label) throws Exception {
        try (WriterLoad load = start(pool, firstWriter, writers, true)) {
            load.awaitAcks(40);
            db.switchover(newPrimary);
            long demoted = System.nanoTime();
            load.awaitEveryWriterOn(newPrimary.address(), Duration.ofSeconds(30));
            load.stop();
            System.out.printf("%s auto-commit switchover: %d inserts acknowledged, %d failed, first insert on the new"
                    + " primary %d ms after the demotion%n", label, load.acks().size(), load.failures().size(),
                    (load.firstAckOn(newPrimary.address()) - demoted) / 1_000_000);
            assertThat(load.failures()).as("inserts that failed in the callers' hands").isEmpty();
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(newPrimary), db.appUser(), db.appPassword())) {
                load.verify(c, oldId, newId, demoted);
            }
        }
    }

    private void write(int writer) {
        int seq = 0;
        while (!stop.get()) {
            seq++;
            long started = System.nanoTime();
            try (Connection c = pool.getConnection()) {
                String server = c.unwrap(ConsulConnection.class).serverAddress();
                if (autoCommit) {
                    insert(c, writer, seq, "@@server_id");
                } else {
                    insert(c, writer, seq, String.valueOf(serverId(c)));
                    c.commit();
                }
                acks.add(new Ack(writer, seq, server, started, System.nanoTime()));
            } catch (SQLException e) {
                failures.add(new Failure(writer, seq, started, System.nanoTime(), e));
            }
        }
    }

    private static void insert(Connection c, int writer, int seq, String origin) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?, " + origin + ")")) {
            ps.setInt(1, writer);
            ps.setInt(2, seq);
            ps.executeUpdate();
        }
    }

    /** Creates the table the writers insert into. */
    static void createTable(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("CREATE TABLE events (writer INT NOT NULL, seq INT NOT NULL, origin INT NOT NULL,"
                    + " PRIMARY KEY (writer, seq))");
        }
    }

    static int serverId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    Queue<Ack> acks() {
        return acks;
    }

    Queue<Failure> failures() {
        return failures;
    }

    /** Waits until at least {@code n} inserts were acknowledged. */
    void awaitAcks(int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> acks.size() >= n);
    }

    /** Waits until every writer got an insert acknowledged on {@code server} ({@code host:port}). */
    void awaitEveryWriterOn(String server, Duration within) {
        await().atMost(within).untilAsserted(() -> assertThat(acks.stream().filter(a -> a.server.equals(server))
                .map(Ack::writer).collect(Collectors.toSet())).as("writers that got an insert through on " + server)
                .hasSize(writers));
    }

    /** Stops the writers and waits for them (each finishes its insert in flight). */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
            assertThat(t.isAlive()).as(t.getName() + " still running").isFalse();
        }
    }

    /** Stops the writers (also when the test failed before {@link #stop()}); never leaves one running. */
    @Override
    public void close() {
        stop.set(true);
        try {
            for (Thread t : threads) {
                t.join(30_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Checks the rows stored on {@code direct} (a plain connection to the current primary): every
     * acknowledged insert is there, taken by {@code oldId} or {@code newId}, and none that started
     * after {@code demotedNanos} by the old primary.
     *
     * @return how many of the acknowledged inserts each server took
     */
    Map<Integer, Long> verify(Connection direct, int oldId, int newId, long demotedNanos) throws SQLException {
        Map<List<Integer>, Integer> stored = stored(direct);
        assertThat(stored.keySet()).as("every acknowledged insert")
                .containsAll(acks.stream().map(a -> List.of(a.writer, a.seq)).collect(Collectors.toList()));
        assertThat(stored.values()).as("servers that took the inserts").allMatch(o -> o == oldId || o == newId);
        assertThat(acks.stream().filter(a -> a.startedNanos > demotedNanos
                && stored.get(List.of(a.writer, a.seq)) == oldId))
                .as("inserts taken by the old primary after its demotion").isEmpty();
        return acks.stream().collect(Collectors.groupingBy(a -> stored.get(List.of(a.writer, a.seq)),
                Collectors.counting()));
    }

    /** This load's rows stored on the server of {@code direct}: {@code [writer, seq]} -> the {@code @@server_id} that ran it. */
    Map<List<Integer>, Integer> stored(Connection direct) throws SQLException {
        Map<List<Integer>, Integer> stored = new HashMap<>();
        try (PreparedStatement ps = direct.prepareStatement(
                "SELECT writer, seq, origin FROM events WHERE writer >= ? AND writer < ?")) {
            ps.setInt(1, firstWriter);
            ps.setInt(2, firstWriter + writers);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(List.of(rs.getInt(1), rs.getInt(2)), rs.getInt(3));
                }
            }
        }
        return stored;
    }

    /** When the first insert acknowledged by {@code server} was acknowledged, or -1. */
    long firstAckOn(String server) {
        return acks.stream().filter(a -> a.server.equals(server)).mapToLong(Ack::ackedNanos).min().orElse(-1);
    }

    /** Writers that got an insert acknowledged on {@code server}. */
    Set<Integer> writersOn(String server) {
        return acks.stream().filter(a -> a.server.equals(server)).map(Ack::writer).collect(Collectors.toSet());
    }
}
