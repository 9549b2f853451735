package io.waymark.jdbc;

import io.waymark.jdbc.internal.RoutingConnection;
import io.waymark.jdbc.internal.ConsulUrl;
import io.waymark.jdbc.internal.DiscoveryRegistry;
import io.waymark.jdbc.internal.JdbcCounters;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The {@code jdbc:consul:} driver: MySQL / MariaDB connections to whichever server Consul
 * currently lists as the primary, with a read/write split onto replicas.
 *
 * <pre>
 * jdbc:consul:mysql://w-master-mysql-3306.service.consul/shop?consul.agent=127.0.0.11:8500
 *     &amp;consul.readService=r-slave-mysql-3306.service.consul&amp;user=app&amp;password=...
 * jdbc:consul:mariadb://w-master-mysql-3306/shop?...
 * </pre>
 *
 * <ul>
 *   <li>The word after {@code consul:} picks the delegate driver: {@code mysql} is MySQL
 *       Connector/J ({@code com.mysql.cj.jdbc.Driver}), {@code mariadb} is MariaDB Connector/J
 *       ({@code org.mariadb.jdbc.Driver}); it must be on the classpath.</li>
 *   <li>The host part is the primary's Consul name (any form Consul DNS takes); an optional
 *       {@code :port} is used for instances Consul gives without a port (DNS A records).</li>
 *   <li>{@code consul.*} parameters (see {@link #getPropertyInfo}): every setting of
 *       discovery-core's connection to Consul as {@code consul.<key>} of
 *       {@link io.waymark.discovery.ConsulProperty}, read by discovery's own parser:
 *       {@code consul.agent} (repeatable or comma-separated), {@code consul.https},
 *       {@code consul.caCert}, {@code consul.clientCert}, {@code consul.clientKey},
 *       {@code consul.tlsServerName}, {@code consul.token}, {@code consul.tokenFile},
 *       {@code consul.mode} ({@code http|dns}), {@code consul.resolveTimeout}, ...; Consul's
 *       environment variables ({@code CONSUL_HTTP_ADDR}, {@code CONSUL_CACERT},
 *       {@code CONSUL_HTTP_TOKEN_FILE}, ...) for what they leave unset; and this driver's own:
 *       {@code consul.readService}, {@code consul.failoverTimeout}, {@code consul.roleCheck},
 *       {@code consul.retryReadOnlyWrites}, {@code consul.probeKnownNodes}. Every other
 *       parameter and property goes to the delegate unchanged.</li>
 * </ul>
 *
 * <p>{@code connect} resolves the primary, checks {@code SELECT @@read_only = 0} and tries the
 * next instance (asking Consul again, for up to {@code consul.failoverTimeout}) otherwise. The
 * returned connection moves to a replica of {@code consul.readService} on
 * {@code setReadOnly(true)} (sticky until {@code setReadOnly(false)}; the primary when no replica
 * is healthy), answers {@code isValid() == false} once its server has left the healthy instances
 * of its role or failed (SQLState class 08, read-only error 1290/1836 on a write), and never
 * replays a transaction. In auto-commit mode a single statement that the demoted primary refused
 * as read-only (so did not execute) is re-run on another, newly verified primary, within
 * {@code consul.failoverTimeout} ({@code consul.retryReadOnlyWrites}, default true); never a
 * {@code CALL}, {@code EXECUTE} or multi-statement text, and never after any other error (1290 for
 * {@code --secure-file-priv} included). The new primary is found without waiting for Consul's next
 * check: every known server is probed at once, and the only one answering
 * {@code @@read_only = 0} (and not replicating) is used ({@code consul.probeKnownNodes}, default
 * true). Two or more writable servers at once are a split brain: no primary is handed out until
 * only one is writable. A primary that crashes fails only the statements sent before the crash
 * was seen (their outcome unknown); one that freezes is cut off once another server answers
 * writable, failing the statements waiting on it (outcome unknown). {@link #stats(String)} counts
 * failovers, re-runs, probes, invalidated and cut-off connections and split brains.
 *
 * <p>All connections with the same discovery settings (and Consul environment variables) share
 * one discovery client. A setting discovery refuses (a TLS or token file that is missing or
 * cannot be used, conflicting settings) fails {@code connect} with an {@link SQLException}
 * ({@code 08001}) naming the parameter and the file, never a token or key material. It is reference counted: closed a few seconds after the last of its connections is.
 *
 * <p>Registered through {@code META-INF/services/java.sql.Driver}, so {@code DriverManager} and
 * pools such as HikariCP ({@code jdbcUrl}) find it. Passwords and tokens never appear in
 * messages, logs or {@code toString()}.
 *
 * <p><b>Threading:</b> thread-safe and stateless apart from the shared discovery clients.
 */
public final class ConsulDriver implements Driver {

    static {
        try {
            DriverManager.registerDriver(new ConsulDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** For {@code ServiceLoader} and reflection; prefer {@code DriverManager} or {@link ConsulDataSource}. */
    public ConsulDriver() {
    }

    /**
     * @return null for URLs that are not {@code jdbc:consul:} ones, as JDBC wants
     * @throws SQLException on a malformed URL or parameter (naming it), Consul settings discovery
     *     refuses (naming the parameter and the file), a missing delegate driver, or when no
     *     writable primary could be reached
     */
    @Override
    public @Nullable Connection connect(String url, Properties info) throws SQLException {
        return acceptsURL(url) ? open(url, info) : null;
    }

    /** {@link #connect} of a URL known to be a {@code jdbc:consul:} one: never null. */
    static Connection open(String url, Properties info) throws SQLException {
        ConsulUrl parsed = ConsulUrl.parse(url, info);
        return RoutingConnection.open(parsed, parsed.subprotocol().driver(), DiscoveryRegistry.shared());
    }

    /**
     * What happened to the connections of {@code url}'s primary service in this JVM (every URL
     * naming the same primary Consul service shares these counters): failovers, statements re-run,
     * probes, connections invalidated or cut off, split brains. Cheap enough for a metrics poll;
     * zeros before the first connection.
     *
     * @throws SQLException when {@code url} is not a valid {@code jdbc:consul:} URL (as {@link #connect} says)
     */
    public static JdbcStats stats(String url) throws SQLException {
        JdbcCounters c = JdbcCounters.of(ConsulUrl.parse(url, null).service());
        return new JdbcStats(c.failovers(), c.statementsReRun(), c.probes(), c.connectionsInvalidated(),
                c.connectionsCutOff(), c.splitBrains());
    }

    @Override
    public boolean acceptsURL(String url) {
        return ConsulUrl.accepts(url);
    }

    /** The {@code consul.*} parameters, with what each expects. */
    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return ConsulUrl.propertyInfo(info);
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    /** False: compliance is the delegate's business, this driver only routes. */
    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the jdbc:consul: driver logs through SLF4J, not java.util.logging");
    }

    @Override
    public String toString() {
        return "ConsulDriver[jdbc:consul:mysql|mariadb]";
    }
}
