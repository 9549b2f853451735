/**
 * The {@code jdbc:consul:} URL scheme for MySQL / MariaDB: swap one JDBC URL and connections
 * follow the primary that Consul's health checks point at, with reads moved to replicas on
 * {@code setReadOnly(true)}. Entry points: {@link io.waymark.jdbc.ConsulDriver} (found by
 * {@code DriverManager} and pools through {@code META-INF/services/java.sql.Driver}) and
 * {@link io.waymark.jdbc.ConsulDataSource}.
 */
@NullMarked
package io.waymark.jdbc;

import org.jspecify.annotations.NullMarked;
