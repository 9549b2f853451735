package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The outside promoter on a primary with two replicas; the nested groups run in order. */
@DisplayName("MariaDbReplication outside promoter")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class MariaDbPromotionIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private MariaDbReplication db;

    @BeforeAll
    void start() throws SQLException {
        db = MariaDbReplication.builder().replicas(2).start();
        AppSql.execute(db, db.primary(), "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
        db.awaitReplicasCaughtUp();
    }

    @AfterAll
    void stop() {
        if (db != null) {
            db.close();
        }
    }

    String root(MariaDbNode node, String sql) throws SQLException {
        return AppSql.root(db, node, sql);
    }

    @Nested
    @Order(1)
    @DisplayName("after the primary is killed")
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class AfterKill {

        @Test
        @Order(1)
        void promotesTheReplicaThatReceivedMostAndRepointsTheOther() throws SQLException {
            MariaDbNode old = db.primary();
            MariaDbNode lagging = db.replicas().get(0);
            MariaDbNode ahead = db.replicas().get(1);
            root(lagging, "STOP SLAVE IO_THREAD");
            for (int id = 1; id <= 20; id++) {
                AppSql.insert(db, old, id);
            }
            await().atMost(WAIT).until(() -> AppSql.has(db, ahead, 20));
            assertThat(AppSql.has(db, lagging, 20)).isFalse();
            Promotion<MariaDbNode> p = db.promoteWhenPrimaryFails(Duration.ofSeconds(1));
            long killed = System.nanoTime();
            old.kill();
            root(lagging, "START SLAVE IO_THREAD");

            assertThat(p.await(WAIT)).isSameAs(ahead);
            assertThat(Duration.ofNanos(p.promotedAtNanos() - killed)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(db.primary()).isSameAs(ahead);
            assertThat(ahead.isReadOnly()).isFalse();
            AppSql.insert(db, ahead, 21);
            await().atMost(WAIT).until(() -> AppSql.has(db, lagging, 21) && AppSql.has(db, lagging, 20));
            assertThat(lagging.isReadOnly()).isTrue();
            db.awaitReplicasRunning();
            db.awaitReplicasCaughtUp();
        }

        @Test
        @Order(2)
        void theOldPrimaryRestartsReadOnlyAndDetached() {
            MariaDbNode old = db.nodes().get(0);
            old.start();
            assertThat(old.isReadOnly()).isTrue();
            assertThatThrownBy(() -> AppSql.insert(db, old, 99)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("read-only");
            // detached: not expected to replicate, so the waits do not fail on it
            db.awaitReplicasRunning();
            assertThatThrownBy(() -> db.switchover(old)).hasMessageContaining("detached");
        }
    }

    @Nested
    @Order(2)
    @DisplayName("after the primary is frozen")
    class AfterFreeze {

        @Test
        void promotesAndFencesTheOldPrimaryOnceItThaws() throws SQLException {
            MariaDbNode old = db.primary();
            MariaDbNode replica = db.nodes().get(1) == old ? db.nodes().get(2) : db.nodes().get(1);
            Promotion<MariaDbNode> p = db.promoteWhenPrimaryFails(Duration.ofMillis(200));
            old.freeze(Duration.ofSeconds(5));
            assertThat(p.await(WAIT)).isSameAs(replica);
            assertThat(old.isFrozen()).as("promoted while the old primary is still frozen").isTrue();
            AppSql.insert(db, replica, 30);
            await().atMost(WAIT).until(() -> !old.isFrozen());
            await().atMost(WAIT).until(old::isReadOnly);
            assertThatThrownBy(() -> AppSql.insert(db, old, 31)).isInstanceOf(SQLException.class);
        }
    }

    @Nested
    @Order(3)
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcess() {
            Pids.assertCloseEndsAll(db.nodes().stream().map(MariaDbNode::pid).toList(), db::close);
        }
    }
}
