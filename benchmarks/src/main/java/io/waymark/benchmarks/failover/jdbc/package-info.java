/**
 * The JDBC failover scenarios of the benchmark harness: HikariCP on a {@code jdbc:consul:mariadb:}
 * URL against HikariCP on a fixed {@code jdbc:mariadb:} URL that an operator repoints when Consul's
 * passing primary changes, side by side on the same MariaDB servers (testkit): a coordinated
 * switchover ({@link io.waymark.benchmarks.failover.jdbc.JdbcFailoverScenario}), and the primary
 * killed or frozen with a replica promoted by an outside actor
 * ({@link io.waymark.benchmarks.failover.jdbc.JdbcUnplannedFailoverScenario}, issue 13's scenario 6).
 *
 * <p>The scenarios and {@link io.waymark.benchmarks.failover.jdbc.JdbcFailoverMain} are the entry
 * points; everything else here is package-private plumbing.
 */
package io.waymark.benchmarks.failover.jdbc;
