/**
 * The {@code jdbc:consul:} URL scheme for MySQL / MariaDB: swap one JDBC URL and connections
 * follow the primary that Consul's health checks point at, with reads moved to replicas on
 * {@code setReadOnly(true)}. Entry points: {@link io.waymark.jdbc.ConsulDriver} (found by
 * {@code DriverManager} and pools through {@code META-INF/services/java.sql.Driver}) and
 * {@link io.waymark.jdbc.ConsulDataSource}.
 */
package io.waymark.jdbc;
