/**
 * Implementation of the {@code jdbc:consul:} driver. Not a public API: everything here
 * may change without notice; use {@link io.waymark.jdbc.ConsulDriver} and
 * {@link io.waymark.jdbc.ConsulDataSource} instead.
 */
package io.waymark.jdbc.internal;
