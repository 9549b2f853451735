package io.waymark.jdbc;

import java.sql.Connection;

/**
 * What a {@code jdbc:consul:} connection tells beyond JDBC; reach it through
 * {@code connection.unwrap(ConsulConnection.class)}, also through pools.
 *
 * <p><b>Threading:</b> both methods may be called from any thread.
 */
public interface ConsulConnection extends Connection {

    /**
     * {@code host:port} of the server that statements created now go to: the primary, or
     * while {@link #isReadOnly() read-only} a replica (the primary when none is healthy).
     */
    String serverAddress();

    /**
     * Why {@link #isValid(int)} answers false (the server left its Consul service, refused a
     * write as read-only, or broke), or null while the connection is valid. It stays invalid
     * unless it moves to a new primary to re-run a refused auto-commit statement
     * ({@code consul.retryReadOnlyWrites}).
     */
    String invalidReason();
}
