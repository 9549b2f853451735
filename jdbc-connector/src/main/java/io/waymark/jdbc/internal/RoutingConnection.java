package io.waymark.jdbc.internal;

import io.waymark.jdbc.ConsulConnection;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection handed out for a {@code jdbc:consul:} URL: a logical connection over a
 * verified-writable primary and, while {@link #setReadOnly read-only}, a replica.
 *
 * <p>Physical connections are switched only between transactions (auto-commit on, or no
 * statement run since the last commit/rollback, and no {@code BEGIN}/{@code START TRANSACTION}
 * issued as SQL without its {@code COMMIT}/{@code ROLLBACK}); session settings made through JDBC
 * (auto-commit, isolation, catalog, schema, network timeout) follow the switch, session
 * variables set through SQL do not. Statements stay on the server they were created on.
 *
 * <p>Failover: once the primary leaves the primary service (Consul), refuses a write as
 * read-only (1290/1836) or breaks (SQLState class 08), {@link #isValid} answers false and Consul
 * is asked again at once. In auto-commit mode outside an SQL-level transaction (and with
 * {@code consul.retryReadOnlyWrites}, the default), a statement refused as read-only was not
 * executed: the connection then moves to the newly verified primary (session settings carried
 * over, the old physical connection closed), re-creates the statement there with its recorded
 * settings and parameters, and runs it again, until {@code consul.failoverTimeout}; a primary
 * that broke is replaced the same way before the next statement is sent. The new primary is
 * looked for in Consul and, with {@code consul.probeKnownNodes}, among every server known (see
 * {@link Connector}): the only one answering {@code @@read_only = 0} is used before Consul lists
 * it, and none while two are writable. Nothing else is ever re-run: not inside a transaction, not
 * after any other error (a connection reset after sending may hide an executed statement; 1290 for
 * {@code --secure-file-priv} follows whatever ran before it), not {@code CALL}, {@code EXECUTE} or
 * multi-statement text, not on the server that refused it, not batches, callable statements or
 * statements with stream or LOB parameters. When the refusal reaches the caller it gets a chained {@code 08006} exception
 * ({@link SQLException#getNextException()}), so that pools which evict on SQLState class 08
 * (HikariCP does) drop the connection at once instead of handing it out again.
 *
 * <p>This class is the JDBC surface only: every delegated call goes through {@link Routing#call},
 * so that each error of the delegate reaches the one handler ({@link Routing#handle}); session
 * settings are kept in {@link SessionState}, transaction boundaries in {@link TransactionTracker}.
 *
 * <p><b>Threading:</b> like any JDBC connection, meant for one thread at a time; {@link #isValid},
 * {@link #isClosed}, {@link #abort} and {@link #toString} may be called from other threads
 * (pool housekeeping).
 */
public final class RoutingConnection implements ConsulConnection {

    private static final Logger LOG = LoggerFactory.getLogger(RoutingConnection.class);

    private final Routing routing;

    private RoutingConnection(Routing routing) {
        this.routing = routing;
        routing.logical(this);
    }

    /** Opens a logical connection: finds and verifies the primary; releases the lease on failure. */
    public static RoutingConnection open(ConsulUrl url, Driver driver, DiscoveryRegistry registry) throws SQLException {
        DiscoveryRegistry.Lease lease;
        try {
            lease = registry.acquire(url.discoveryKey());
        } catch (RuntimeException e) {
            String token = url.discoveryKey().token();
            throw new SQLException("could not start a Consul discovery client (" + url.discoveryKey() + "): "
                    + Secrets.redact(e.getMessage(), token), "08001", Secrets.redact(e, token));
        }
        try {
            Connector connector = new Connector(url, lease.discovery(), driver, lease.prober());
            connector.warmUp();
            Physical primary = connector.openPrimary();
            Routing routing = new Routing(connector, lease, primary);
            RoutingConnection c = new RoutingConnection(routing);
            lease.prober().watch().add(routing);
            LOG.debug("{}: connected", c);
            return c;
        } catch (SQLException | RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    @Override
    public String serverAddress() {
        return routing.serverAddress();
    }

    @Override
    public String invalidReason() {
        return routing.invalidReason();
    }

    // ---------------------------------------------------------------- read/write split

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        routing.switchReadOnly(readOnly);
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        routing.checkOpen();
        return routing.session.readOnly;
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        return routing.isValid(timeout);
    }

    // ---------------------------------------------------------------- transactions and session state

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        setSession(p -> p.conn.setAutoCommit(autoCommit), s -> s.autoCommit = autoCommit);
        if (autoCommit) {
            // switching auto-commit on commits the open transaction
            routing.transactions.ended();
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        routing.checkOpen();
        return routing.session.autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        try {
            routing.run(p -> p.conn.commit());
        } finally {
            routing.transactions.ended();
        }
    }

    @Override
    public void rollback() throws SQLException {
        try {
            routing.run(p -> p.conn.rollback());
        } finally {
            routing.transactions.ended();
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        routing.run(p -> p.conn.rollback(savepoint));
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return routing.call(p -> {
            routing.transactions.beforeWork(routing.session.autoCommit);
            return p.conn.setSavepoint();
        });
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        return routing.call(p -> {
            routing.transactions.beforeWork(routing.session.autoCommit);
            return p.conn.setSavepoint(name);
        });
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        routing.run(p -> p.conn.releaseSavepoint(savepoint));
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        setSession(p -> p.conn.setTransactionIsolation(level), s -> s.isolation = level);
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        return routing.call(p -> p.conn.getTransactionIsolation());
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        setSession(p -> p.conn.setCatalog(catalog), s -> s.catalog = catalog);
    }

    @Override
    public String getCatalog() throws SQLException {
        return routing.call(p -> p.conn.getCatalog());
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        setSession(p -> p.conn.setSchema(schema), s -> s.schema = schema);
    }

    @Override
    public String getSchema() throws SQLException {
        return routing.call(p -> p.conn.getSchema());
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        setSession(p -> p.conn.setNetworkTimeout(executor, milliseconds), s -> {
            s.networkExecutor = executor;
            s.networkTimeout = milliseconds;
        });
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return routing.call(p -> p.conn.getNetworkTimeout());
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        routing.run(p -> p.conn.setHoldability(holdability));
    }

    @Override
    public int getHoldability() throws SQLException {
        return routing.call(p -> p.conn.getHoldability());
    }

    /**
     * Applies a session setting to the current physical connection and, once it took, records it
     * both as applied there and as wanted by this connection, so that a move to another server
     * carries it over (see {@link SessionState#applyTo}).
     */
    private void setSession(Routing.SqlRun apply, Consumer<SessionState> record) throws SQLException {
        routing.run(p -> {
            apply.run(p);
            record.accept(p.session);
        });
        record.accept(routing.session);
    }

    // ---------------------------------------------------------------- statements

    @Override
    public Statement createStatement() throws SQLException {
        return statement(c -> c.createStatement(), null);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return statement(c -> c.createStatement(resultSetType, resultSetConcurrency), null);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        return statement(c -> c.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability), null);
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return statement(c -> c.prepareStatement(sql), sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return statement(c -> c.prepareStatement(sql, autoGeneratedKeys), sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return statement(c -> c.prepareStatement(sql, columnIndexes), sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return statement(c -> c.prepareStatement(sql, columnNames), sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return statement(c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency), sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        return statement(c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql);
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return statement(c -> c.prepareCall(sql), sql);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        return statement(c -> c.prepareCall(sql, resultSetType, resultSetConcurrency), sql);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        return statement(c -> c.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql);
    }

    /** A statement proxy over one created by {@code factory} on the connection statements go to. */
    private <T extends Statement> T statement(JdbcProxies.StatementFactory<T> factory, String sql) throws SQLException {
        return routing.onStatements(p -> JdbcProxies.statement(routing, p, factory, sql));
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        return routing.call(p -> p.conn.nativeSQL(sql));
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return routing.call(p -> JdbcProxies.metaData(routing, p, p.conn.getMetaData()));
    }

    // ---------------------------------------------------------------- plain delegation

    @Override
    public SQLWarning getWarnings() throws SQLException {
        // a broken connection has nothing more to say (pools ask when they take the connection back)
        return routing.call(p -> p.broken ? null : p.conn.getWarnings());
    }

    @Override
    public void clearWarnings() throws SQLException {
        routing.run(p -> {
            if (!p.broken) {
                p.conn.clearWarnings();
            }
        });
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return routing.call(p -> p.conn.getTypeMap());
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        routing.run(p -> p.conn.setTypeMap(map));
    }

    @Override
    public Clob createClob() throws SQLException {
        return routing.call(p -> p.conn.createClob());
    }

    @Override
    public Blob createBlob() throws SQLException {
        return routing.call(p -> p.conn.createBlob());
    }

    @Override
    public NClob createNClob() throws SQLException {
        return routing.call(p -> p.conn.createNClob());
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return routing.call(p -> p.conn.createSQLXML());
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return routing.call(p -> p.conn.createArrayOf(typeName, elements));
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return routing.call(p -> p.conn.createStruct(typeName, attributes));
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        clientInfo(p -> p.conn.setClientInfo(name, value));
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        clientInfo(p -> p.conn.setClientInfo(properties));
    }

    /** {@code setClientInfo} may throw only {@link SQLClientInfoException}: the handler's verdict, in that type. */
    private void clientInfo(Routing.SqlRun run) throws SQLClientInfoException {
        try {
            routing.run(run);
        } catch (SQLClientInfoException e) {
            throw e;
        } catch (SQLException e) {
            SQLClientInfoException info = new SQLClientInfoException(e.getMessage(), e.getSQLState(), e.getErrorCode(),
                    Map.of(), e);
            info.setNextException(e.getNextException());
            throw info;
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        return routing.call(p -> p.conn.getClientInfo(name));
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return routing.call(p -> p.conn.getClientInfo());
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() throws SQLException {
        routing.close();
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        Objects.requireNonNull(executor, "executor");
        routing.abort(executor);
    }

    @Override
    public boolean isClosed() {
        return routing.isClosed();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return routing.call(p -> p.conn.unwrap(iface));
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || routing.call(p -> p.conn.isWrapperFor(iface));
    }

    /** The URL (secrets masked) and the current server; never a password. */
    @Override
    public String toString() {
        return routing.describe();
    }
}
