/**
 * The JDBC failover scenario of the benchmark harness: HikariCP on a {@code jdbc:consul:mariadb:}
 * URL against HikariCP on a fixed {@code jdbc:mariadb:} URL that an operator repoints when Consul's
 * passing primary changes, side by side on the same MariaDB primary + replica (testkit).
 *
 * <p>{@link io.waymark.benchmarks.failover.jdbc.JdbcFailoverScenario} and
 * {@link io.waymark.benchmarks.failover.jdbc.JdbcFailoverMain} are the entry points; everything
 * else here is package-private plumbing.
 */
package io.waymark.benchmarks.failover.jdbc;
