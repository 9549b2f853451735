package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.internal.Reaper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;

/** One fixture for the class (MariaDB takes seconds to install); the nested groups run in order. */
@DisplayName("MariaDbReplication")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class MariaDbReplicationIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private MariaDbReplication db;
    /** Named by a server option: the only dir the servers may read and write files in. */
    private Path files;

    @BeforeAll
    void start() throws Exception {
        files = Files.createTempDirectory("waymark-files-");
        db = MariaDbReplication.builder().replicas(1).database("shop").appUser("app", "apppass")
                .serverOption("--secure-file-priv=" + files).start();
        AppSql.execute(db, db.primary(), "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
    }

    @AfterAll
    void stop() {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            Reaper.deleteDir(files);
        }
    }

    void insert(MariaDbNode node, int id) throws SQLException {
        AppSql.insert(db, node, id);
    }

    boolean has(MariaDbNode node, int id) throws SQLException {
        return AppSql.has(db, node, id);
    }

    @Nested
    @Order(1)
    @DisplayName("when started")
    class Started {

        @Test
        void primaryIsWritableAndReplicasAreReadOnly() {
            assertThat(db.nodes()).hasSize(2).extracting(MariaDbNode::host).doesNotHaveDuplicates();
            assertThat(db.primary().port()).isEqualTo(3306);
            assertThat(db.jdbcUrl(db.primary()))
                    .isEqualTo("jdbc:mariadb://" + db.primary().host() + ":3306/shop");
            assertThat(db.primary().isReadOnly()).isFalse();
            assertThat(db.replicas()).allMatch(MariaDbNode::isReadOnly);
        }

        @Test
        void writesReplicateAndTheAppUserCannotWriteToAReplica() throws SQLException {
            insert(db.primary(), 1);
            MariaDbNode replica = db.replicas().get(0);
            await().atMost(WAIT).until(() -> has(replica, 1));
            assertThatThrownBy(() -> insert(replica, 2)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("read-only");
        }

        @Test
        void everyNodeRunsWithTheServerOptionsAndTheDirTheyNameIsTheHosts() throws SQLException {
            for (MariaDbNode n : db.nodes()) {
                assertThat(AppSql.root(db, n, "SELECT @@secure_file_priv")).isEqualTo(files + "/");
                assertThatThrownBy(() -> AppSql.root(db, n, "SELECT 1 INTO OUTFILE '" + files.getParent()
                        .resolve("waymark-outside-" + n.host() + ".txt") + "'"))
                        .isInstanceOf(SQLException.class).hasMessageContaining("--secure-file-priv");
                Path out = files.resolve("from-" + n.host() + ".txt");
                AppSql.root(db, n, "SELECT 'written by " + n.host() + "' INTO OUTFILE '" + out + "'");
                assertThat(out).hasContent("written by " + n.host());
            }
        }

        @Test
        void theAppUserHasNoGlobalPrivileges() throws SQLException {
            List<String> grants = new ArrayList<>();
            try (Connection c = AppSql.connect(db, db.primary()); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW GRANTS")) {
                while (rs.next()) {
                    grants.add(rs.getString(1));
                }
            }
            assertThat(grants).anyMatch(g -> g.startsWith("GRANT USAGE ON *.*"))
                    .noneMatch(g -> g.contains("ON *.*") && !g.startsWith("GRANT USAGE"));
        }
    }

    @Nested
    @Order(2)
    @DisplayName("faults")
    class Faults {

        @Test
        void aRestartedReplicaStaysReadOnlyAndCatchesUp() throws SQLException {
            MariaDbNode replica = db.replicas().get(0);
            replica.stop();
            assertThat(replica.isRunning()).isFalse();
            insert(db.primary(), 10);
            replica.start();
            assertThat(replica.isReadOnly()).isTrue();
            await().atMost(WAIT).until(() -> has(replica, 10));
        }

        @Test
        void aFrozenReplicaAnswersNothingUntilThawed() throws SQLException {
            MariaDbNode replica = db.replicas().get(0);
            replica.freeze();
            try {
                assertThatThrownBy(() -> {
                    try (Connection c = DriverManager.getConnection(db.jdbcUrl(replica)
                            + "?connectTimeout=1000&socketTimeout=1000", db.appUser(), db.appPassword())) {
                        c.createStatement().executeQuery("SELECT 1");
                    }
                }).isInstanceOf(SQLException.class);
            } finally {
                replica.thaw();
            }
            assertThat(replica.isReadOnly()).isTrue();
        }
    }

    @Nested
    @Order(3)
    @DisplayName("switchover with Consul role checks")
    class Switchover {

        @Test
        void swapsTheRolesAndConsulFollows() throws SQLException {
            MariaDbNode old = db.primary();
            MariaDbNode target = db.replicas().get(0);
            ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
            int i = 0;
            for (MariaDbNode n : db.nodes()) {
                b.clientAgent("mysql0" + (++i), RoleChecks.mariadb(n, db.appUser(), db.appPassword(),
                        "w-master-mysql-3306", "r-slave-mysql-3306", Duration.ofMillis(500)));
            }
            try (ConsulCluster consul = b.start()) {
                consul.awaitPassing("w-master-mysql-3306", 1, WAIT);
                consul.awaitPassing("r-slave-mysql-3306", 1, WAIT);
                assertThat(consul.passing("w-master-mysql-3306")).containsExactly(old.address());

                insert(old, 20);
                db.switchover(target);

                assertThat(db.primary()).isSameAs(target);
                assertThat(target.isReadOnly()).isFalse();
                assertThat(old.isReadOnly()).isTrue();
                assertThat(has(target, 20)).isTrue();
                insert(target, 21);
                await().atMost(WAIT).until(() -> has(old, 21));
                assertThatThrownBy(() -> insert(old, 22)).isInstanceOf(SQLException.class);
                await().atMost(WAIT).until(() ->
                        consul.passing("w-master-mysql-3306").equals(List.of(target.address()))
                                && consul.passing("r-slave-mysql-3306").equals(List.of(old.address())));
            }
        }
    }

    @Nested
    @Order(4)
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcess() {
            Pids.assertCloseEndsAll(db.nodes().stream().map(MariaDbNode::pid).toList(), db::close);
        }
    }
}
