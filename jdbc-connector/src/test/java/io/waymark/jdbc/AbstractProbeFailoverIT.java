package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.ServiceSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code consul.probeKnownNodes} against a real MariaDB primary + replica whose Consul
 * registrations lag behind the servers, for one delegate driver: the role checks are TTL checks
 * that only this test updates, i.e. a Consul check interval longer than the whole switchover.
 * (Script role checks with a long interval would do the same, but whether one of them happens
 * to run during the second after a switchover is chance; here Consul notices exactly when the
 * test says so, and the test can assert that the writes moved before.)
 */
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
abstract class AbstractProbeFailoverIT extends AbstractDatabaseIT {

    static final int WRITERS = 4;

    final Map<String, String> agentOf = new HashMap<>();

    /** {@code mysql} or {@code mariadb}. */
    abstract String subprotocol();

    @Override
    MariaDbReplication startDatabase() {
        return MariaDbReplication.builder().replicas(1).database("shop").appUser("app", "probe-pw-" + subprotocol())
                .start();
    }

    @Override
    ConsulCluster startConsul() {
        ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
        int i = 1;
        for (MariaDbNode node : db.nodes()) {
            String agent = "db" + i++;
            agentOf.put(node.address(), agent);
            b.clientAgent(agent, List.of(
                    ServiceSpec.builder(PRIMARY).id(PRIMARY).tags("master").address(node.host()).port(node.port())
                            .ttlCheck(Duration.ofMinutes(10), PRIMARY + "-role").build(),
                    ServiceSpec.builder(REPLICA).id(REPLICA).tags("slave").address(node.host()).port(node.port())
                            .ttlCheck(Duration.ofMinutes(10), REPLICA + "-role").build()));
        }
        return b.start();
    }

    @Override
    void ready() {
        consulSees(db.primary(), db.replicas().get(0));
    }

    /** What the role checks would report, once they run: {@code primary} is the primary. */
    void consulSees(MariaDbNode primary, MariaDbNode replica) {
        ConsulAgent p = consul.agent(agentOf.get(primary.address()));
        ConsulAgent r = consul.agent(agentOf.get(replica.address()));
        p.updateTtl(PRIMARY + "-role", "passing");
        p.updateTtl(REPLICA + "-role", "critical");
        r.updateTtl(PRIMARY + "-role", "critical");
        r.updateTtl(REPLICA + "-role", "passing");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(consul.passing(PRIMARY)).containsExactly(primary.address());
            assertThat(consul.passing(REPLICA)).containsExactly(replica.address());
        });
    }

    @Override
    String url() {
        return "jdbc:consul:" + subprotocol() + "://" + PRIMARY + ".service.consul/" + db.database()
                + "?consul.agent=" + agents() + "&consul.readService=" + REPLICA + ".service.consul"
                + "&consul.failoverTimeout=10s&user=" + db.appUser() + "&password=" + db.appPassword();
    }

    static int serverId(Connection c) throws SQLException {
        return WriterLoad.serverId(c);
    }

    @Nested
    @Order(1)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class ConsulLagsBehindASwitchover {

        @Test
        @Order(1)
        void autoCommitInsertsMoveToThePromotedReplicaWhileConsulStillListsTheOldPrimary() throws Exception {
            switchoverBehindConsulsBack(url(), 0);
        }

        /**
         * Without {@code consul.readService}, the promoted replica is known only as an instance
         * registered under the primary's name whose role check fails (it registers both names).
         */
        @Test
        @Order(2)
        void withoutAReadServiceTheRegisteredInstancesAreProbed() throws Exception {
            // a discovery setting of its own: a fresh discovery client, which has seen no other primary yet
            String url = url().replace("&consul.readService=" + REPLICA + ".service.consul", "")
                    + "&consul.resolveTimeout=4s";
            assertThat(url).doesNotContain("readService");
            switchoverBehindConsulsBack(url, 100);
        }

        private void switchoverBehindConsulsBack(String url, int firstWriter) throws Exception {
            MariaDbNode oldPrimary = db.primary();
            MariaDbNode newPrimary = db.replicas().get(0);
            try (HikariDataSource pool = new HikariDataSource(poolConfig("probing-" + subprotocol(), url, WRITERS));
                    WriterLoad load = WriterLoad.start(pool, firstWriter, WRITERS, true)) {
                load.awaitAcks(40);

                db.switchover(newPrimary);
                long demoted = System.nanoTime();

                load.awaitEveryWriterOn(newPrimary.address(), Duration.ofSeconds(8));
                assertThat(consul.passing(PRIMARY)).as("Consul has not noticed the switchover")
                        .containsExactly(oldPrimary.address());
                assertThat(consul.passing(REPLICA)).containsExactly(newPrimary.address());
                try (Connection fresh = DriverManager.getConnection(url)) {
                    assertThat(serverId(fresh)).as("connect() finds the new primary too")
                            .isEqualTo(idOf(newPrimary));
                }
                load.stop();
                System.out.printf("%s switchover behind Consul's back: %d inserts acknowledged, %d failed%n",
                        subprotocol(), load.acks().size(), load.failures().size());
                assertThat(load.failures()).as("inserts that failed in the callers' hands").isEmpty();
                try (Connection c = direct(newPrimary)) {
                    assertThat(load.verify(c, idOf(oldPrimary), idOf(newPrimary), demoted))
                            .as("inserts taken by the new primary").containsKey(idOf(newPrimary));
                }
            }
            consulSees(newPrimary, oldPrimary);
        }
    }

    /**
     * A replica someone set {@code read_only = 0} while the primary still is writable, and whose
     * role check then passes for the primary's name too: Consul lists two primaries.
     */
    @Nested
    @Order(2)
    class TwoWritableServers {

        @Test
        void noPrimaryIsHandedOutUntilOnlyOneServerIsWritable() throws Exception {
            MariaDbNode primary = db.primary();
            MariaDbNode replica = db.replicas().get(0);
            String url = url().replace("consul.failoverTimeout=10s", "consul.failoverTimeout=2s");
            ConsulAgent onReplica = consul.agent(agentOf.get(replica.address()));
            asRoot(replica, "SET GLOBAL read_only = 0");
            onReplica.updateTtl(PRIMARY + "-role", "passing");
            try {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(consul.passing(PRIMARY))
                        .containsExactlyInAnyOrder(primary.address(), replica.address()));
                // the connector's own watch of the name learns of the second listing a moment after the
                // agent answers it: connect() until it refuses (a connector that never refuses fails here)
                SQLException[] refused = new SQLException[1];
                await("connect() refuses while two servers are writable").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(50)).until(() -> (refused[0] = catchThrowableOfType(SQLException.class,
                                () -> DriverManager.getConnection(url).close())) != null);
                SQLException e = refused[0];
                assertThat(e.getSQLState()).isEqualTo("08001");
                assertThat(e.getMessage()).contains("split brain").contains(primary.address())
                        .contains(replica.address());
            } finally {
                asRoot(replica, "SET GLOBAL read_only = 1");
                onReplica.updateTtl(PRIMARY + "-role", "critical");
            }
            try (Connection c = DriverManager.getConnection(url)) {
                assertThat(serverId(c)).as("one writable server again").isEqualTo(idOf(primary));
            }
        }

        private void asRoot(MariaDbNode node, String sql) throws SQLException {
            Fixtures.asRoot(db, node, sql);
        }
    }
}
