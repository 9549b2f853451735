package io.waymark.benchmarks.failover.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** HikariCP on a {@code jdbc:consul:mariadb:} URL: nothing to repoint, the driver follows Consul. */
final class ConsulUrlClient implements WriteClient {

    private final HikariDataSource pool;

    ConsulUrlClient(String consulUrl, String user, String password, int size) {
        this.pool = Pools.hikari("waymark-jdbc", consulUrl, user, password, size);
    }

    @Override
    public String name() {
        return "Waymark jdbc:consul: + HikariCP";
    }

    @Override
    public String tag() {
        return "waymark";
    }

    @Override
    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public String note() {
        return "";
    }

    @Override
    public void close() {
        pool.close();
    }
}
