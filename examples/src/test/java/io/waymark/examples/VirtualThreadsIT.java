package io.waymark.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14.7: 1,000 virtual threads, each doing Redis commands through {@code DiscoveredRedis.sync()}
 * and JDBC statements through {@code jdbc:consul:mariadb:} (HikariCP), against real servers. Every
 * call must succeed, and no carrier may be pinned: JFR's {@code jdk.VirtualThreadPinned} events
 * (a virtual thread that blocked while it could not unmount, 20 ms or longer: the JDK's own
 * threshold) must not occur, and calls must keep completing (a run with no completed call for
 * {@link #STALL} fails: with the carriers all pinned nothing would progress).
 *
 * <p>Virtual threads need Java 21: on Java 17 the class is skipped (reported, with the reason). The Java 25 CI step
 * runs it ({@code -Pjava25-smoke}); this module's failsafe runs give the scheduler 2 carriers and no
 * compensation ({@code jdk.virtualThreadScheduler.parallelism/maxPoolSize}), so that pinned carriers
 * would stall the run rather than be hidden by extra ones. The API is called reflectively because
 * the tests are compiled for Java 17.
 */
@EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "virtual threads need Java 21 or later: VirtualThreadsIT "
        + "runs in the Java 25 step (-Pjava25-smoke)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class VirtualThreadsIT {

    static final int THREADS = 1000;
    /** Per thread: SET, GET, INCR, then INSERT and SELECT, this many times. */
    static final int ROUNDS = 3;
    static final Duration STALL = Duration.ofSeconds(20);
    static final Duration PINNED_THRESHOLD = Duration.ofMillis(20);
    static final String PINNED = "jdk.VirtualThreadPinned";

    static final String REDIS_WRITE = "w-master-redis-6379";
    static final String REDIS_READ = "r-slave-redis-6379";
    static final String DB_PRIMARY = "w-master-mysql-3306";
    static final String DB_REPLICA = "r-slave-mysql-3306";

    RedisReplication redis;
    MariaDbReplication db;
    ConsulCluster consul;

    @BeforeAll
    void startServers() {
        redis = RedisReplication.builder().replicas(0).password("secret").start();
        db = MariaDbReplication.builder().replicas(0).database("shop").appUser("app", "apppass").start();
        ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
        int i = 1;
        for (RedisNode n : redis.nodes()) {
            b.clientAgent("redis-" + i++, RoleChecks.redis(n, "secret", REDIS_WRITE, REDIS_READ, Duration.ofSeconds(1)));
        }
        b.clientAgent("db-1", RoleChecks.mariadb(db.primary(), db.appUser(), db.appPassword(), DB_PRIMARY, DB_REPLICA,
                Duration.ofSeconds(1)));
        b.clientAgent("app");
        consul = b.start();
        consul.awaitPassing(REDIS_WRITE, 1, Duration.ofSeconds(60));
        consul.awaitPassing(DB_PRIMARY, 1, Duration.ofSeconds(60));
    }

    @AfterAll
    @SuppressWarnings("try") // the resources are only closed: Consul, MariaDB, Redis, each even when one fails
    void stopServers() throws Exception {
        try (AutoCloseable r = redis; AutoCloseable d = db; AutoCloseable c = consul) {
            // nothing: try-with-resources closes them (null ones, never started, are skipped)
        }
    }

    @Test
    void a_thousand_virtual_threads_use_both_connectors_and_pin_no_carrier(@TempDir Path dir) throws Exception {
        assertThat(FlightRecorder.getFlightRecorder().getEventTypes()).extracting(EventType::getName)
                .as("JFR records virtual thread pinning on this JDK").contains(PINNED);
        String agent = consul.agent("app").httpAddress();
        String url = "jdbc:consul:mariadb://" + DB_PRIMARY + ".service.consul/" + db.database() + "?consul.agent="
                + agent + "&user=" + db.appUser() + "&password=" + db.appPassword();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong calls = new AtomicLong();
        List<RecordedEvent> pinned;
        // no read service: a GET must read the thread's own SET (a replica may lag behind it)
        try (DiscoveredRedis<String, String> r = DiscoveredRedis.builder().consulAgent(agent)
                .writeService(REDIS_WRITE + ".service.consul").password("secret").build();
                HikariDataSource pool = pool(url)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE vt (thread INT NOT NULL, round INT NOT NULL, PRIMARY KEY (thread, round))");
            }
            RedisClusterCommands<String, String> sync = r.sync();
            try (Recording recording = new Recording()) {
                recording.enable(PINNED).withThreshold(PINNED_THRESHOLD).withStackTrace();
                recording.start();
                List<Thread> threads = startVirtual(THREADS, i -> work(i, sync, pool, calls, failures));
                awaitProgressing(threads, calls);
                recording.stop();
                Path file = dir.resolve("pinned.jfr");
                recording.dump(file);
                pinned = RecordingFile.readAllEvents(file);
            }
            assertThat(failures).as("calls that failed (of %d threads)", THREADS).isEmpty();
            assertThat(sync.get("vt:counter")).isEqualTo(Long.toString((long) THREADS * ROUNDS));
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM vt")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo((long) THREADS * ROUNDS);
            }
        }
        assertThat(pinned.size()).as("virtual threads pinned to their carrier for %s or longer (the first 10):%n%s",
                PINNED_THRESHOLD, describe(pinned)).isZero();
    }

    /** One thread's work; what fails is collected, never thrown past the thread. */
    private static void work(int thread, RedisClusterCommands<String, String> sync, HikariDataSource pool,
            AtomicLong calls, Queue<String> failures) {
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String key = "vt:" + thread;
                String value = thread + "/" + round;
                sync.set(key, value);
                String read = sync.get(key);
                if (!value.equals(read)) {
                    failures.add("thread " + thread + ": GET " + key + " read " + read + ", expected " + value);
                }
                sync.incr("vt:counter");
                calls.addAndGet(3);
                try (Connection c = pool.getConnection()) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO vt (thread, round) VALUES (?, ?)")) {
                        ps.setInt(1, thread);
                        ps.setInt(2, round);
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM vt WHERE thread = ?")) {
                        ps.setInt(1, thread);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            if (rs.getInt(1) != round + 1) {
                                failures.add("thread " + thread + ": " + rs.getInt(1) + " rows after round " + round);
                            }
                        }
                    }
                }
                calls.addAndGet(2);
            }
        } catch (RuntimeException | SQLException e) {
            failures.add("thread " + thread + ": " + e);
        }
    }

    private static HikariDataSource pool(String url) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("virtual-threads");
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(16);
        config.setMinimumIdle(16);
        // 1,000 threads share 16 connections: a thread may wait for one behind many others
        config.setConnectionTimeout(STALL.toMillis() * 3);
        return new HikariDataSource(config);
    }

    /** Starts {@code n} virtual threads (Thread.ofVirtual(), called reflectively: compiled for 17). */
    private static List<Thread> startVirtual(int n, IntConsumer task) throws Exception {
        Class<?> builderType = Class.forName("java.lang.Thread$Builder");
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        builder = builderType.getMethod("name", String.class, long.class).invoke(builder, "vt-", 0L);
        ThreadFactory factory = (ThreadFactory) builderType.getMethod("factory").invoke(builder);
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            Thread t = factory.newThread(() -> task.accept(id));
            assertThat((Boolean) Thread.class.getMethod("isVirtual").invoke(t)).as("a virtual thread").isTrue();
            threads.add(t);
            t.start();
        }
        return threads;
    }

    /**
     * Joins {@code threads}, failing as soon as no call completed for {@link #STALL}: with their
     * carriers pinned, virtual threads stop progressing (this platform thread keeps watching).
     */
    private static void awaitProgressing(List<Thread> threads, AtomicLong calls) throws InterruptedException {
        long seen = -1;
        long since = System.nanoTime();
        for (Thread t : threads) {
            while (t.isAlive()) {
                t.join(100);
                long now = calls.get();
                if (now != seen) {
                    seen = now;
                    since = System.nanoTime();
                } else if (System.nanoTime() - since > STALL.toNanos()) {
                    long alive = threads.stream().filter(Thread::isAlive).count();
                    threads.forEach(Thread::interrupt); // they end as the connectors close behind them
                    throw new AssertionError("no call completed for " + STALL + " (" + now + " of "
                            + (long) THREADS * ROUNDS * 5 + " done, " + alive + " threads still running): "
                            + "the virtual threads stalled, their carriers pinned?");
                }
            }
        }
    }

    private static String describe(List<RecordedEvent> events) {
        return events.stream().limit(10).map(e -> {
            String frames = e.getStackTrace() == null ? "(no stack)"
                    : e.getStackTrace().getFrames().stream().limit(12).map(VirtualThreadsIT::frame)
                            .collect(Collectors.joining("\n      "));
            String thread = e.getThread() == null ? "?" : e.getThread().getJavaName();
            // Java 24+ says why (a native frame, a class initializer...)
            String reason = e.hasField("pinnedReason") ? ": " + e.getString("pinnedReason") : "";
            return "  " + e.getDuration().toMillis() + " ms on " + thread + reason + "\n      " + frames;
        }).collect(Collectors.joining("\n"));
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }
}
