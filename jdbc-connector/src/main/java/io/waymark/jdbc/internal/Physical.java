package io.waymark.jdbc.internal;

import io.waymark.discovery.Endpoint;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
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
    /** Its socket when the delegate handed it over ({@link CuttableSocketFactory}), to cut it off; else null. */
    final Socket socket;
    final String host;
    final int port;
    final Role role;

    /** The session settings applied to it so far. */
    final SessionState session;
    /** Replaced by a new primary after a failover and closed: statements on it must re-bind. */
    volatile boolean retired;
    /** Failed with a connection error (SQLState class 08), or was cut off: nothing sent on it will arrive. */
    volatile boolean broken;
    /** Another connection to its server broke: it is asked ({@code isValid}) before anything more is sent on it. */
    volatile boolean suspect;
    /** Why the {@link PrimaryWatch} cut it off (its server stopped answering, another one is writable), or null. */
    volatile String cutReason;
    /**
     * {@link System#nanoTime} (never 0) when the call in flight on it started, 0 while none is: how
     * the {@link PrimaryWatch} tells a server that stopped answering. Written around each call by
     * its user thread only: two plain volatile writes, no allocation.
     */
    volatile long inFlightSince;

    /** A connection just opened to {@code host:port} for {@code role}. */
    Physical(DelegateConnections.Opened opened, String host, int port, Role role) throws SQLException {
        this.conn = opened.conn();
        this.socket = opened.socket();
        this.host = host;
        this.port = port;
        this.role = role;
        this.session = new SessionState(conn.getAutoCommit());
    }

    /** A call is about to be sent on it. */
    void begin() {
        inFlightSince = System.nanoTime() | 1;
    }

    /** The call came back (or failed). */
    void end() {
        inFlightSince = 0;
    }

    boolean sameServer(Physical other) {
        return host.equals(other.host) && port == other.port;
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
