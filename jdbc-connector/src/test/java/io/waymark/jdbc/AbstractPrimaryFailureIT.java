package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.Promotion;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Unplanned failures of the primary (issue 13, scenario 6), for one delegate driver: HikariCP on
 * {@code jdbc:consul:} with 4 auto-commit writers, a MariaDB primary that crashes ({@code kill -9})
 * or freezes (SIGSTOP), and a replica promoted 3 s after the primary stopped answering by the
 * testkit's outside promoter (what an operator script or orchestrator does). One primary and two
 * replicas: the crash uses up the first primary, the freeze the second.
 *
 * <p>What is asserted is correctness, not speed (the failover harness measures the gap): every
 * acknowledged insert is stored on the promoted replica; an insert fails in the caller's hands only
 * with SQLState class 08 (so HikariCP evicts the connection) saying its outcome is unknown, at most
 * once per writer, and only for a statement sent before the connector could know the primary had
 * failed; the old primary holds no row but those of failed inserts, and a frozen primary that wakes
 * up takes no statement sent after the connector cut it off.
 *
 * <p>Replication is semi-synchronous ({@code AFTER_SYNC}): MariaDB's asynchronous replication may
 * lose the last inserts an old primary acknowledged, whatever the client does; semi-sync makes
 * "0 acknowledged rows lost" a property of the connector here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractPrimaryFailureIT extends AbstractDatabaseIT {

    static final int WRITERS = 4;
    static final Duration PROMOTION_DELAY = Duration.ofSeconds(3);
    static final String OUTCOME_UNKNOWN = "outcome is unknown";

    /** {@code mysql} or {@code mariadb}. */
    abstract String subprotocol();

    @Override
    MariaDbReplication startDatabase() {
        return MariaDbReplication.builder().replicas(2).database("shop").appUser("app", "fail-pw-" + subprotocol())
                .start();
    }

    @Override
    ConsulCluster startConsul() {
        return roleCheckedConsul(ConsulCluster.builder().servers(1), Duration.ofSeconds(1));
    }

    @Override
    void ready() throws SQLException {
        consul.awaitPassing(PRIMARY, 1, Duration.ofSeconds(60));
        for (MariaDbNode node : db.nodes()) {
            // every node may become the primary; a primary without semi-sync replicas does not wait for one
            Fixtures.asRoot(db, node, "SET GLOBAL rpl_semi_sync_master_enabled = ON",
                    "SET GLOBAL rpl_semi_sync_master_wait_point = AFTER_SYNC",
                    "SET GLOBAL rpl_semi_sync_master_wait_no_slave = OFF",
                    "SET GLOBAL rpl_semi_sync_master_timeout = 5000",
                    "SET GLOBAL rpl_semi_sync_slave_enabled = ON");
            if (node != db.primary()) {
                Fixtures.asRoot(db, node, "STOP SLAVE IO_THREAD", "START SLAVE IO_THREAD");
            }
        }
        db.awaitReplicasRunning();
    }

    @Override
    String url() {
        return "jdbc:consul:" + subprotocol() + "://" + PRIMARY + ".service.consul/" + db.database()
                + "?consul.agent=" + agents() + "&consul.failoverTimeout=15s&user=" + db.appUser()
                + "&password=" + db.appPassword();
    }

    private HikariDataSource pool(String name) {
        HikariConfig config = poolConfig(name + "-" + subprotocol(), url(), WRITERS);
        config.setConnectionTimeout(30_000);
        return new HikariDataSource(config);
    }

    @Test
    @Order(1)
    void aCrashedPrimaryLosesNoAcknowledgedInsertAndFailsOnlyWhatWasSentBeforeTheCrashWasSeen() throws Exception {
        MariaDbNode old = db.primary();
        try (HikariDataSource pool = pool("crash"); WriterLoad load = WriterLoad.start(pool, 0, WRITERS, true)) {
            load.awaitAcks(200);
            Promotion<MariaDbNode> promotion = db.promoteWhenPrimaryFails(PROMOTION_DELAY);
            long killed = System.nanoTime();
            old.kill();
            long dead = System.nanoTime();
            MariaDbNode promoted = promotion.await(Duration.ofSeconds(30));
            long promotedAt = promotion.promotedAtNanos();
            load.awaitEveryWriterOn(promoted.address(), Duration.ofSeconds(20));
            int before = load.acks().size();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.acks().size() > before + 200);
            load.stop();
            report("crash", load, promoted, dead, promotedAt);

            assertCallerErrors(load, killed);
            try (Connection c = direct(promoted)) {
                load.verify(c, idOf(old), idOf(promoted), dead);
            }
            old.start();
            assertOnlyFailedInsertsAreLeftOn(old, promoted, load);
        }
    }

    @Test
    @Order(2)
    void aFrozenPrimaryThatWakesUpTakesNoStatementSentAfterItWasCutOff() throws Exception {
        MariaDbNode old = db.primary();
        try (HikariDataSource pool = pool("freeze"); WriterLoad load = WriterLoad.start(pool, 10, WRITERS, true)) {
            load.awaitAcks(200);
            Promotion<MariaDbNode> promotion = db.promoteWhenPrimaryFails(PROMOTION_DELAY);
            long freezing = System.nanoTime();
            old.freeze();
            long frozen = System.nanoTime();
            MariaDbNode promoted;
            long promotedAt;
            try {
                promoted = promotion.await(Duration.ofSeconds(30));
                promotedAt = promotion.promotedAtNanos();
                load.awaitEveryWriterOn(promoted.address(), Duration.ofSeconds(20));
            } finally {
                old.thaw();
            }
            await().atMost(Duration.ofSeconds(20)).until(old::isReadOnly);
            // go on writing while the old primary is awake again
            int before = load.acks().size();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.acks().size() > before + 200);
            load.stop();
            report("freeze", load, promoted, frozen, promotedAt);

            assertCallerErrors(load, freezing);
            assertThat(load.failures()).as("inserts that failed: all in flight on the frozen primary, sent before the"
                    + " promotion").allMatch(f -> f.startedNanos() - promotedAt < 0);
            try (Connection c = direct(promoted)) {
                load.verify(c, idOf(old), idOf(promoted), frozen);
            }
            assertOnlyFailedInsertsAreLeftOn(old, promoted, load);
        }
    }

    /**
     * Every insert that failed: SQLState class 08 somewhere in its chain (what HikariCP evicts on)
     * and "outcome is unknown", at most one per writer, and none sent after a caller had been told
     * of the failure (by then the connector knows, and checks or replaces a connection before it
     * sends).
     */
    private static void assertCallerErrors(WriterLoad load, long failedAt) {
        for (WriterLoad.Failure f : load.failures()) {
            assertThat(chain(f.error())).as("writer %d seq %d: %s", f.writer(), f.seq(), f.error())
                    .anyMatch(e -> e.getSQLState() != null && e.getSQLState().startsWith("08"))
                    .anyMatch(e -> String.valueOf(e.getMessage()).contains(OUTCOME_UNKNOWN));
        }
        assertThat(load.failures().stream().collect(Collectors.groupingBy(WriterLoad.Failure::writer,
                Collectors.counting()))).as("failed inserts per writer").allSatisfy((w, n) -> assertThat(n).isOne());
        long firstTold = load.failures().stream().mapToLong(WriterLoad.Failure::failedNanos).min().orElse(Long.MAX_VALUE);
        assertThat(load.failures()).as("inserts that failed although they started after a caller was told")
                .allMatch(f -> f.startedNanos() - firstTold < 0);
        assertThat(load.failures()).as("inserts that failed before the fault")
                .allMatch(f -> f.failedNanos() - failedAt > 0);
    }

    /** The old primary holds none of this load's rows that the promoted one lacks, but those of failed inserts. */
    private void assertOnlyFailedInsertsAreLeftOn(MariaDbNode old, MariaDbNode promoted, WriterLoad load)
            throws SQLException {
        Map<List<Integer>, Integer> onOld;
        Map<List<Integer>, Integer> onPromoted;
        try (Connection c = direct(old)) {
            onOld = load.stored(c);
        }
        try (Connection c = direct(promoted)) {
            onPromoted = load.stored(c);
        }
        Set<List<Integer>> failed = load.failures().stream().map(f -> List.of(f.writer(), f.seq()))
                .collect(Collectors.toSet());
        Set<List<Integer>> onlyOld = onOld.keySet().stream().filter(k -> !onPromoted.containsKey(k))
                .collect(Collectors.toSet());
        System.out.printf("%s: %d rows only on the old primary %s (failed inserts: %s)%n", subprotocol(),
                onlyOld.size(), onlyOld, failed);
        assertThat(onlyOld).as("rows on the old primary that the promoted one lacks").isSubsetOf(failed);
    }

    /** Prints what happened, times relative to {@code failedAt} (when the fault certainly had happened). */
    private void report(String what, WriterLoad load, MariaDbNode promoted, long failedAt, long promotedAt) {
        long firstAck = load.firstAckOn(promoted.address());
        long sentAfter = load.failures().stream().filter(f -> f.startedNanos() - failedAt > 0).count();
        System.out.printf("%s %s: %d inserts acknowledged, %d failed (%d of them started after the %s), promotion"
                + " %d ms after the %s, first insert on the promoted replica %d ms after the promotion%n",
                subprotocol(), what, load.acks().size(), load.failures().size(), sentAfter, what,
                TimeUnit.NANOSECONDS.toMillis(promotedAt - failedAt), what,
                TimeUnit.NANOSECONDS.toMillis(firstAck - promotedAt));
        load.failures().forEach(f -> System.out.printf("  writer %d seq %d started %+d ms after the %s: %s%n",
                f.writer(), f.seq(), TimeUnit.NANOSECONDS.toMillis(f.startedNanos() - failedAt), what,
                chain(f.error()).stream().map(e -> e.getSQLState() + " " + e.getMessage())
                        .collect(Collectors.joining(" / "))));
    }

    private static List<SQLException> chain(SQLException e) {
        List<SQLException> all = new java.util.ArrayList<>();
        for (SQLException x = e; x != null && all.size() < 10; x = x.getNextException()) {
            all.add(x);
        }
        return all;
    }
}
