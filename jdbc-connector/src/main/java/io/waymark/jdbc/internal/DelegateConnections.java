package io.waymark.jdbc.internal;

import java.io.IOException;
import java.net.Socket;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failover needs to know of the delegate drivers when it opens a connection to a server
 * or cuts one off.
 * <ul>
 *   <li><b>Opening is bounded.</b> Neither driver bounds the handshake by default: a frozen server
 *       (the kernel accepts, nobody answers) holds {@code connect()} until it wakes up, and MySQL
 *       Connector/J's {@code connectTimeout} bounds the TCP connect only, its {@code socketTimeout}
 *       the handshake. So unless the URL or the properties set them, both are set to the time left
 *       (at most {@value #MAX_OPEN_MILLIS} ms) while a connection is opened and verified, and the
 *       socket timeout is reset to none afterwards ({@link #settle}).</li>
 *   <li><b>Cutting off</b> a connection whose server stopped answering must not wait for that
 *       server: MySQL Connector/J's {@code abort()} closes the socket; MariaDB Connector/J's sends
 *       {@code KILL} over a second connection first, so its connections are opened through
 *       {@link CuttableSocketFactory} (its {@code socketFactory} option, unless the URL sets one),
 *       which hands the socket over to be closed here.</li>
 * </ul>
 *
 * <p><b>Threading:</b> stateless.
 */
final class DelegateConnections {

    private static final Logger LOG = LoggerFactory.getLogger(DelegateConnections.class);

    /** The longest a connection to one server may take to open and answer, unless the URL says otherwise. */
    static final long MAX_OPEN_MILLIS = 2000;

    /** Whether a driver's class loader sees {@link CuttableSocketFactory} as this one (it loads the option by name). */
    private static final ClassValue<Boolean> SEES_FACTORY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> driver) {
            try {
                return Class.forName(CuttableSocketFactory.class.getName(), false, driver.getClassLoader())
                        == CuttableSocketFactory.class;
            } catch (ClassNotFoundException | LinkageError | SecurityException e) {
                return false;
            }
        }
    };

    private DelegateConnections() {
    }

    /** A connection just opened: its socket when known (to cut it off), and whether {@link #settle} must reset the socket timeout. */
    record Opened(Connection conn, Socket socket, boolean boundedReads) {
    }

    /**
     * Opens a connection to {@code host:port} with the URL's delegate parameters, bounded by
     * {@code maxMillis} unless the URL or properties set their own timeouts.
     */
    static Opened open(Driver driver, ConsulUrl url, String host, int port, long maxMillis) throws SQLException {
        Properties props = url.delegateProperties();
        String bound = String.valueOf(Math.max(1, Math.min(maxMillis, MAX_OPEN_MILLIS)));
        if (!url.delegateSets("connectTimeout")) {
            props.setProperty("connectTimeout", bound);
        }
        boolean boundedReads = !url.delegateSets("socketTimeout");
        if (boundedReads) {
            props.setProperty("socketTimeout", bound);
        }
        if (url.subprotocol() == Subprotocol.MARIADB && !url.delegateSets("socketFactory")
                && SEES_FACTORY.get(driver.getClass())) {
            props.setProperty("socketFactory", CuttableSocketFactory.class.getName());
        }
        String delegateUrl = url.delegateUrl(host, port);
        Socket[] socket = new Socket[1];
        Connection c = CuttableSocketFactory.capturing(socket, () -> driver.connect(delegateUrl, props));
        if (c == null) {
            throw new SQLException(url.subprotocol().driverClass() + " did not accept " + Secrets.maskUrl(delegateUrl),
                    "08001");
        }
        return new Opened(c, socket[0], boundedReads);
    }

    /** The connection was verified: statements may now wait for their server as long as they need. */
    static void settle(Opened opened) throws SQLException {
        if (opened.boundedReads()) {
            opened.conn().setNetworkTimeout(Runnable::run, 0);
        }
    }

    /**
     * Cuts {@code p} off without asking its server anything: closes its socket when known, else
     * aborts it on {@code executor}. A call waiting on it fails at once with a connection error.
     */
    static void cut(Physical p, Executor executor) {
        if (p.socket != null) {
            try {
                p.socket.close();
                return;
            } catch (IOException e) {
                LOG.trace("closing the socket of {} failed", p, e);
            }
        }
        abortQuietly(p, executor);
    }

    /** Aborts {@code p} on {@code executor}; a failure is only traced (the connection is given up either way). */
    static void abortQuietly(Physical p, Executor executor) {
        try {
            p.conn.abort(executor);
        } catch (SQLException | RuntimeException e) {
            LOG.trace("aborting {} failed", p, e);
        }
    }
}
