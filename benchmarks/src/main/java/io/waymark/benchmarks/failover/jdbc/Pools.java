package io.waymark.benchmarks.failover.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The same HikariCP settings for every client, so that only the URL differs. */
final class Pools {

    /** Long enough for a jdbc:consul: connect() to wait out a failover (its failoverTimeout is 10 s). */
    static final long CONNECTION_TIMEOUT_MILLIS = 30_000;

    private Pools() {
    }

    static HikariDataSource hikari(String name, String jdbcUrl, String user, String password, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setAutoCommit(true);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        config.setValidationTimeout(1_000);
        // a pool built while its server is unreachable starts anyway and fills in the background
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }
}
