package io.waymark.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RoleChecks;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A HikariCP pool on a {@code jdbc:consul:mariadb:} URL, inserting through a switchover of a
 * MariaDB primary to its replica. Nothing in the application changes but the URL.
 *
 * <p>Run: {@code scripts/example jdbc}.
 */
public final class JdbcSwitchover {

    static final String PRIMARY = "w-master-mysql-3306";
    static final String REPLICA = "r-slave-mysql-3306";

    private JdbcSwitchover() {
    }

    /** What the example saw. */
    public record Outcome(int acknowledged, int failed, int rowsOnNewPrimary, int writeServerId, int readServerId) {
    }

    public static void main(String[] args) throws Exception {
        try (MariaDbReplication db = MariaDbReplication.builder().replicas(1).database("shop")
                .appUser("app", "apppass").start();
                ConsulCluster consul = agentsFor(db)) {
            Outcome o = run(consul, db);
            System.out.printf("%d inserts acknowledged, %d failed, %d rows on the new primary (server_id %d),"
                    + " read-only connections served by server_id %d%n",
                    o.acknowledged(), o.failed(), o.rowsOnNewPrimary(), o.writeServerId(), o.readServerId());
        }
    }

    static ConsulCluster agentsFor(MariaDbReplication db) {
        ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
        int i = 1;
        for (MariaDbNode node : db.nodes()) {
            b.clientAgent("db-" + i++, RoleChecks.mariadb(node, db.appUser(), db.appPassword(), PRIMARY, REPLICA,
                    Duration.ofSeconds(1)));
        }
        ConsulCluster consul = b.start();
        consul.awaitPassing(PRIMARY, 1, Duration.ofSeconds(60));
        consul.awaitPassing(REPLICA, 1, Duration.ofSeconds(60));
        return consul;
    }

    /**
     * Read-only connections go where Consul's replica service points; its role checks list the
     * demoted primary there within a check interval of the switchover.
     */
    private static void awaitReplicaListed(ConsulCluster consul, MariaDbNode node) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!consul.passing(REPLICA).equals(List.of(node.address()))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Consul does not list " + node.address() + " as " + REPLICA
                        + " 30 s after the switchover: " + consul.passing(REPLICA));
            }
            Thread.sleep(100); // the poll period of this wait, bounded by the deadline above
        }
    }

    private static int intQuery(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Inserts before, during and after a switchover to the first replica, then reads through a
     * read-only connection once Consul's role checks list the demoted primary as a replica.
     */
    public static Outcome run(ConsulCluster consul, MariaDbReplication db) throws SQLException, InterruptedException {
        String consulAgent = consul.clients().get(0).httpAddress();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:consul:mariadb://" + PRIMARY + ".service.consul/" + db.database()
                + "?consul.agent=" + consulAgent + "&consul.readService=" + REPLICA + ".service.consul");
        config.setUsername(db.appUser());
        config.setPassword(db.appPassword());
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(5000);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS example_orders (id INT PRIMARY KEY)");
            }
            MariaDbNode target = db.replicas().get(0);
            MariaDbNode demoted = db.primary();
            Thread switchover = new Thread(() -> db.switchover(target), "example-switchover");
            int acknowledged = 0;
            int failed = 0;
            for (int id = 1; id <= 600; id++) {
                if (id == 200) {
                    switchover.start();
                }
                try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO example_orders VALUES (" + id + ")");
                    acknowledged++;
                } catch (SQLException e) {
                    // a failed insert is not replayed for us: the application decides
                    failed++;
                    System.out.println("insert " + id + " failed: " + e.getMessage());
                }
            }
            switchover.join();
            awaitReplicaListed(consul, demoted);
            int rows;
            int writeServer;
            int readServer;
            try (Connection c = pool.getConnection()) {
                rows = intQuery(c, "SELECT COUNT(*) FROM example_orders");
                writeServer = intQuery(c, "SELECT @@server_id");
                c.setReadOnly(true);
                readServer = intQuery(c, "SELECT @@server_id");
                c.setReadOnly(false);
            }
            return new Outcome(acknowledged, failed, rows, writeServer, readServer);
        }
    }
}
