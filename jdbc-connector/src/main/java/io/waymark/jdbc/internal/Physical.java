package io.waymark.jdbc.internal;

import io.waymark.discovery.Endpoint;
import java.sql.Connection;
import java.util.Locale;
import java.util.concurrent.Executor;

/**
 * One delegate connection to one server, with the session settings applied to it so far (so
 * that a switch between primary and replica re-applies only what differs).
 * Confined to its logical connection's user thread, except the final fields.
 */
final class Physical {

    enum Role {
        PRIMARY, REPLICA
    }

    final Connection conn;
    final String host;
    final int port;
    final Role role;

    boolean autoCommit;
    boolean readOnly;
    Integer isolation;
    String catalog;
    String schema;
    Executor networkExecutor;
    Integer networkTimeout;
    /** Replaced by a new primary after a failover and closed: statements on it must re-bind. */
    volatile boolean retired;
    /** Failed with a connection error (SQLState class 08): nothing sent on it will arrive. */
    volatile boolean broken;

    Physical(Connection conn, String host, int port, Role role, boolean autoCommit) {
        this.conn = conn;
        this.host = host;
        this.port = port;
        this.role = role;
        this.autoCommit = autoCommit;
    }

    String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Same server as a Consul endpoint (tags and meta do not matter). */
    boolean sameServer(Endpoint e, int defaultPort) {
        return host.equals(e.host()) && port == (e.port() > 0 ? e.port() : defaultPort);
    }

    @Override
    public String toString() {
        return address() + " (" + role.name().toLowerCase(Locale.ROOT) + ")";
    }
}
