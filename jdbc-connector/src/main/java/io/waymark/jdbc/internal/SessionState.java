package io.waymark.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;

/**
 * Session settings made through JDBC: auto-commit, read-only, isolation, catalog, schema and
 * network timeout. A logical connection holds the ones its user wants; each physical connection
 * the ones applied to it so far, so that moving to another server (a replica, a new primary)
 * re-applies only what differs. Session variables set through SQL are not tracked: they do not
 * follow a move.
 *
 * <p><b>Threading:</b> confined to the logical connection's user thread.
 */
final class SessionState {

    boolean autoCommit;
    boolean readOnly;
    /** Null while never set: the server's default. */
    Integer isolation;
    String catalog;
    String schema;
    Executor networkExecutor;
    Integer networkTimeout;

    SessionState(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    /**
     * Brings {@code conn}, whose settings so far are {@code applied}, in line with this (all but
     * read-only, which depends on the role: see {@link #applyReadOnly}).
     */
    void applyTo(Connection conn, SessionState applied) throws SQLException {
        if (applied.autoCommit != autoCommit) {
            conn.setAutoCommit(autoCommit);
            applied.autoCommit = autoCommit;
        }
        if (isolation != null && !isolation.equals(applied.isolation)) {
            conn.setTransactionIsolation(isolation);
            applied.isolation = isolation;
        }
        if (catalog != null && !catalog.equals(applied.catalog)) {
            conn.setCatalog(catalog);
            applied.catalog = catalog;
        }
        if (schema != null && !schema.equals(applied.schema)) {
            conn.setSchema(schema);
            applied.schema = schema;
        }
        if (networkTimeout != null && (!networkTimeout.equals(applied.networkTimeout)
                || networkExecutor != applied.networkExecutor)) {
            conn.setNetworkTimeout(networkExecutor, networkTimeout);
            applied.networkTimeout = networkTimeout;
            applied.networkExecutor = networkExecutor;
        }
    }

    /** Tells {@code conn} (settings so far {@code applied}) to be read-only or not, when it differs. */
    static void applyReadOnly(Connection conn, SessionState applied, boolean readOnly) throws SQLException {
        if (applied.readOnly != readOnly) {
            conn.setReadOnly(readOnly);
            applied.readOnly = readOnly;
        }
    }
}
