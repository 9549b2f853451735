package io.waymark.jdbc;

import com.zaxxer.hikari.HikariConfig;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RoleChecks;
import io.waymark.testkit.Teardown;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What the {@code jdbc:consul:} ITs on a MariaDB replication start once per class: the database
 * ({@link #startDatabase}), Consul with a client agent per database host ({@link #startConsul});
 * once both are {@link #ready}, each server's {@code @@server_id} and the {@code events} table of
 * {@link WriterLoad}, created through the driver ({@link #url}). Both are closed after the class,
 * also when starting failed halfway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractDatabaseIT {

    static final String PRIMARY = "w-master-mysql-3306";
    static final String REPLICA = "r-slave-mysql-3306";

    MariaDbReplication db;
    ConsulCluster consul;
    private final Map<String, Integer> serverIds = new HashMap<>();

    /** The database, started. */
    abstract MariaDbReplication startDatabase();

    /** Consul with the agents of {@link #db}'s hosts, started. */
    abstract ConsulCluster startConsul();

    /** Waits until the servers are ready for the tests: by default, until Consul passes each by its role. */
    void ready() throws Exception {
        consul.awaitPassing(PRIMARY, 1, Duration.ofSeconds(60));
        consul.awaitPassing(REPLICA, db.replicas().size(), Duration.ofSeconds(60));
    }

    /** The {@code jdbc:consul:} URL of the primary, with the application user. */
    abstract String url();

    @BeforeAll
    void startServers() throws Exception {
        db = startDatabase();
        consul = startConsul();
        ready();
        for (MariaDbNode node : db.nodes()) {
            try (Connection c = direct(node)) {
                serverIds.put(node.address(), WriterLoad.serverId(c));
            }
        }
        try (Connection c = DriverManager.getConnection(url())) {
            WriterLoad.createTable(c);
        }
    }

    @AfterAll
    void stopServers() {
        Teardown.closeAll(consul, db);
    }

    /**
     * Starts {@code servers} with a client agent per node of {@link #db} ({@code db1}, {@code db2}, ...)
     * running the role checks every {@code interval} as the application user.
     */
    ConsulCluster roleCheckedConsul(ConsulCluster.Builder servers, Duration interval) {
        int i = 1;
        for (MariaDbNode node : db.nodes()) {
            servers.clientAgent("db" + i++, RoleChecks.mariadb(node, db.appUser(), db.appPassword(), PRIMARY,
                    REPLICA, interval));
        }
        return servers.start();
    }

    /** Every client agent's HTTP address, for {@code consul.agent}. */
    String agents() {
        return consul.clients().stream().map(ConsulAgent::httpAddress).collect(Collectors.joining(","));
    }

    /** {@code node}'s {@code @@server_id}. */
    int idOf(MariaDbNode node) {
        return serverIds.get(node.address());
    }

    /** A connection to {@code node} itself (no Consul), as the application user. */
    Connection direct(MariaDbNode node) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(node), db.appUser(), db.appPassword());
    }

    /**
     * A pool of {@code size} connections on {@code url}, all opened at the start, that waits up to 20 s
     * for a connection (a failover included) and validates one within a second.
     */
    static HikariConfig poolConfig(String name, String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setConnectionTimeout(20_000);
        config.setValidationTimeout(1_000);
        return config;
    }
}
