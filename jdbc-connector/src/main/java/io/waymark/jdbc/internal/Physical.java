package io.waymark.jdbc.internal;

import io.waymark.discovery.Endpoint;
import java.sql.Connection;
import java.util.Locale;

/**
 * One delegate connection to one server, with the session settings applied to it so far (so
 * that a switch between primary and replica re-applies only what differs: {@link SessionState}).
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

    /** The session settings applied to it so far. */
    final SessionState session;
    /** Replaced by a new primary after a failover and closed: statements on it must re-bind. */
    volatile boolean retired;
    /** Failed with a connection error (SQLState class 08): nothing sent on it will arrive. */
    volatile boolean broken;

    Physical(Connection conn, String host, int port, Role role, boolean autoCommit) {
        this.conn = conn;
        this.host = host;
        this.port = port;
        this.role = role;
        this.session = new SessionState(autoCommit);
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
