package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;

/**
 * The {@code jdbc:consul:} driver against a real MariaDB primary + replica, with one Consul
 * client agent per database host whose script checks test {@code @@read_only} (the seed's
 * layout), for one delegate driver. Subclasses pick the delegate; both must pass the same suite.
 *
 * <p>The groups run in order because the last one changes the topology (a switchover).
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
abstract class AbstractConsulDriverIT extends AbstractDatabaseIT {

    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    static final int WRITERS = 4;

    /** {@code mysql} or {@code mariadb}. */
    abstract String subprotocol();

    /** Delegate parameters this driver needs against MariaDB (may be empty). */
    String delegateParameters() {
        return "";
    }

    @Override
    MariaDbReplication startDatabase() {
        return MariaDbReplication.builder().replicas(1).database("shop").appUser("app", "app-pw-" + subprotocol())
                .start();
    }

    @Override
    ConsulCluster startConsul() {
        return roleCheckedConsul(ConsulCluster.builder().servers(1), CHECK_INTERVAL);
    }

    @Override
    String url() {
        return "jdbc:consul:" + subprotocol() + "://" + PRIMARY + ".service.consul/" + db.database()
                + "?consul.agent=" + agents() + "&consul.readService=" + REPLICA + ".service.consul"
                + "&consul.failoverTimeout=10s&user=" + db.appUser() + "&password=" + db.appPassword()
                + delegateParameters();
    }

    HikariDataSource pool(String name, int size) {
        return pool(name, size, false);
    }

    HikariDataSource pool(String name, int size, boolean autoCommit) {
        HikariConfig config = poolConfig(name, url(), size);
        config.setAutoCommit(autoCommit);
        return new HikariDataSource(config);
    }

    static int serverId(Connection c) throws SQLException {
        return WriterLoad.serverId(c);
    }

    @Nested
    @Order(1)
    class Connecting {

        @Test
        void driverManagerHandsOutAVerifiedPrimary() throws SQLException {
            try (Connection c = DriverManager.getConnection(url())) {
                assertThat(c.unwrap(ConsulConnection.class).serverAddress()).isEqualTo(db.primary().address());
                assertThat(serverId(c)).isEqualTo(idOf(db.primary()));
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@read_only")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                    assertThat(s.getConnection()).isSameAs(c);
                    assertThat(rs.getStatement()).isSameAs(s);
                }
                assertThat(c.isValid(2)).isTrue();
                assertThat(c.toString()).doesNotContain(db.appPassword());
            }
        }

        @Test
        void theDataSourceConnectsToo() throws SQLException {
            ConsulDataSource ds = new ConsulDataSource();
            ds.setUrl(url().replace("&password=" + db.appPassword(), ""));
            ds.setPassword(db.appPassword());
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(idOf(db.primary()));
            }
        }

        @Test
        void consulDnsWorksLikeHttp() throws SQLException {
            InetSocketAddress dns = consul.clients().get(1).dnsAddress();
            String dnsUrl = url() + "&consul.mode=dns&consul.dnsAgent=" + dns.getHostString() + ":" + dns.getPort();
            try (Connection c = DriverManager.getConnection(dnsUrl)) {
                assertThat(serverId(c)).isEqualTo(idOf(db.primary()));
                c.setReadOnly(true);
                assertThat(serverId(c)).isEqualTo(idOf(db.replicas().get(0)));
            }
        }

        @Test
        void aWrongPasswordFailsFastAndStaysMasked() {
            String bad = url().replace("&password=" + db.appPassword(), "&password=wrong-pw");
            SQLException e = catchThrowableOfType(SQLException.class, () -> DriverManager.getConnection(bad));
            assertThat(e.getSQLState()).isEqualTo("28000");
            assertThat(e.getMessage()).doesNotContain("wrong-pw");
        }
    }

    @Nested
    @Order(2)
    class ReadWriteSplit {

        @Test
        void readOnlyConnectionsGoToTheReplicaAndBack() throws SQLException {
            try (HikariDataSource pool = pool("split-" + subprotocol(), 2); Connection c = pool.getConnection()) {
                c.setReadOnly(true);
                assertThat(serverId(c)).isEqualTo(idOf(db.replicas().get(0)));
                assertThat(c.unwrap(ConsulConnection.class).serverAddress()).isEqualTo(db.replicas().get(0).address());
                c.commit();
                c.setReadOnly(false);
                assertThat(serverId(c)).isEqualTo(idOf(db.primary()));
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?)")) {
                    ps.setInt(1, 99);
                    ps.setInt(2, 1);
                    ps.setInt(3, idOf(db.primary()));
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
                c.commit();
            }
        }

        @Test
        void aReadOnlyPoolReadsFromTheReplica() throws SQLException {
            HikariConfig config = new HikariConfig();
            config.setPoolName("readers-" + subprotocol());
            config.setJdbcUrl(url());
            config.setMaximumPoolSize(1);
            config.setReadOnly(true);
            try (HikariDataSource pool = new HikariDataSource(config); Connection c = pool.getConnection()) {
                assertThat(c.isReadOnly()).isTrue();
                assertThat(serverId(c)).isEqualTo(idOf(db.replicas().get(0)));
            }
        }

        @Test
        void aWriteOnTheReplicaIsRefusedWithoutInvalidatingTheConnection() throws SQLException {
            try (Connection c = DriverManager.getConnection(url())) {
                c.setReadOnly(true);
                try (Statement s = c.createStatement()) {
                    assertThatThrownBy(
                            () -> s.executeUpdate("INSERT INTO events VALUES (98, 1, 0)")).isInstanceOf(SQLException.class);
                }
                assertThat(c.isValid(2)).isTrue();
                c.setReadOnly(false);
                assertThat(serverId(c)).isEqualTo(idOf(db.primary()));
            }
        }
    }

    @Nested
    @Order(3)
    class BrokenConnections {

        @Test
        void aBrokenConnectionTurnsInvalidAndNewOnesWaitForTheRestartedPrimary() throws SQLException {
            MariaDbNode primary = db.primary();
            try (Connection c = DriverManager.getConnection(url())) {
                primary.stop();
                try {
                    SQLException e = catchThrowableOfType(SQLException.class, () -> serverId(c));
                    assertThat(e.getSQLState()).startsWith("08");
                    assertThat(c.isValid(1)).isFalse();
                    assertThat(c.unwrap(ConsulConnection.class).invalidReason()).contains("connection error");
                } finally {
                    primary.start();
                }
                try (Connection fresh = DriverManager.getConnection(url())) {
                    assertThat(serverId(fresh)).isEqualTo(idOf(primary));
                }
            }
        }
    }

    @Nested
    @Order(4)
    class Switchover {

        @Test
        void insertsMoveToTheNewPrimaryAndNothingAcknowledgedIsLost() throws Exception {
            MariaDbNode oldPrimary = db.primary();
            MariaDbNode newPrimary = db.replicas().get(0);
            try (HikariDataSource pool = pool("writers-" + subprotocol(), WRITERS);
                    Connection idle = DriverManager.getConnection(url());
                    WriterLoad load = WriterLoad.start(pool, 0, WRITERS, false)) {
                load.awaitAcks(40);

                long switchoverStarted = System.nanoTime();
                db.switchover(newPrimary);
                long demoted = System.nanoTime();

                load.awaitEveryWriterOn(newPrimary.address(), Duration.ofSeconds(30));
                // an idle auto-commit connection that was on the demoted primary moves when the pool asks
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(idle.isValid(1)
                        && serverId(idle) == idOf(newPrimary)).as("the idle connection valid, on the new primary").isTrue());
                load.stop();

                Map<Integer, Long> byServer;
                try (Connection c = direct(newPrimary)) {
                    byServer = load.verify(c, idOf(oldPrimary), idOf(newPrimary), demoted);
                }
                // for the record (timing is the benchmarks' business, not asserted here)
                System.out.printf("%s switchover: %d inserts acknowledged (%s by server id), %d failed; switchover()"
                        + " took %d ms, first insert on the new primary %d ms after it returned%n", subprotocol(),
                        load.acks().size(), byServer, load.failures().size(), (demoted - switchoverStarted) / 1_000_000,
                        (load.firstAckOn(newPrimary.address()) - demoted) / 1_000_000);

                // the demoted primary is a replica now: read-only connections find it there
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                    try (Connection c = pool.getConnection()) {
                        c.setReadOnly(true);
                        assertThat(serverId(c)).isEqualTo(idOf(oldPrimary));
                        c.commit();
                    }
                });
            }
        }
    }

    /**
     * Switches back (the previous group promoted the replica) under auto-commit writers: a
     * pooled connection still on the demoted primary has its insert refused as read-only, and
     * the driver re-runs it on the new primary, so no caller sees an error.
     */
    @Nested
    @Order(5)
    class AutoCommitSwitchover {

        @Test
        void noInsertFailsAndNothingAcknowledgedIsLost() throws Exception {
            MariaDbNode oldPrimary = db.primary();
            MariaDbNode newPrimary = db.replicas().get(0);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (Connection c = DriverManager.getConnection(url())) {
                    assertThat(serverId(c)).as("Consul settled after the previous switchover").isEqualTo(idOf(oldPrimary));
                }
            });
            try (HikariDataSource pool = pool("autocommit-" + subprotocol(), WRITERS, true)) {
                WriterLoad.autoCommitSwitchover(pool, 10, WRITERS, db, newPrimary, idOf(oldPrimary), idOf(newPrimary),
                        subprotocol());
            }
        }
    }

    /**
     * Switches over once more and holds the demoted primary's replication, so that it never sees a
     * row written after the switchover: an auto-commit connection that was on it, and has sent
     * nothing since, reads on the new primary once Consul lists it (it saw the row another
     * connection wrote there), not on the demoted server.
     */
    @Nested
    @Order(6)
    class ReadsAfterASwitchover {

        @Test
        void anIdlePrimaryConnectionReadsOnTheNewPrimaryOnceConsulListsIt() throws Exception {
            MariaDbNode oldPrimary = db.primary();
            MariaDbNode newPrimary = db.replicas().get(0);
            try (Connection idle = DriverManager.getConnection(url())) {
                assertThat(serverId(idle)).isEqualTo(idOf(oldPrimary));
                db.switchover(newPrimary);
                Fixtures.executeAsRoot(db, oldPrimary, "STOP SLAVE");
                try {
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(consul.passing(PRIMARY))
                            .as("Consul lists the new primary alone").containsExactly(newPrimary.address()));
                    try (Connection writer = DriverManager.getConnection(url());
                            Statement s = writer.createStatement()) {
                        s.executeUpdate("INSERT INTO events (writer, seq, origin) VALUES (-6, 1, " + idOf(newPrimary) + ")");
                    }
                    // the connector's own watch learns what Consul says a few ms later: a read before that
                    // runs on the demoted server, and the next one moves
                    await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
                        try (Statement s = idle.createStatement(); ResultSet rs = s.executeQuery(
                                "SELECT COUNT(*), @@server_id FROM events WHERE writer = -6")) {
                            rs.next();
                            assertThat(rs.getInt(2)).as("the server the idle connection read on")
                                    .isEqualTo(idOf(newPrimary));
                            assertThat(rs.getInt(1)).as("the row written on the new primary").isEqualTo(1);
                        }
                    });
                } finally {
                    Fixtures.executeAsRoot(db, oldPrimary, "START SLAVE");
                }
            }
        }
    }
}
