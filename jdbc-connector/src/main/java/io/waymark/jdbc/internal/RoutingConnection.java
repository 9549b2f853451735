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
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Executor;
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
 * it. Nothing else is ever
 * re-run: not inside a transaction, not after any other error (a connection reset after sending
 * may hide an executed statement), not batches, callable statements or statements with stream or
 * LOB parameters. When the refusal reaches the caller it gets a chained {@code 08006} exception
 * ({@link SQLException#getNextException()}), so that pools which evict on SQLState class 08
 * (HikariCP does) drop the connection at once instead of handing it out again.
 *
 * <p><b>Threading:</b> like any JDBC connection, meant for one thread at a time; {@link #isValid},
 * {@link #isClosed}, {@link #abort} and {@link #toString} may be called from other threads
 * (pool housekeeping).
 */
public final class RoutingConnection implements ConsulConnection {

    private static final Logger LOG = LoggerFactory.getLogger(RoutingConnection.class);

    private final Connector connector;
    private final AutoCloseable lease;
    private volatile Physical primary;
    private Physical replica;
    private volatile Physical current;
    private volatile boolean closed;
    private volatile String invalidReason;
    /** The physical connection whose trouble made this connection invalid (cleared when it is replaced). */
    private volatile Physical invalidPhysical;
    /** Auto-commit was changed through SQL ({@code SET autocommit}): the JDBC flag cannot be trusted. */
    private boolean autoCommitSetBySql;

    private boolean readOnly;
    private boolean autoCommit;
    private boolean workInTransaction;
    private boolean explicitTransaction;
    private Integer isolation;
    private String catalog;
    private String schema;
    private Executor networkExecutor;
    private Integer networkTimeout;

    private RoutingConnection(Connector connector, AutoCloseable lease, Physical primary) {
        this.connector = connector;
        this.lease = lease;
        this.primary = primary;
        this.current = primary;
        this.autoCommit = primary.autoCommit;
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
            if (url.readService() != null) {
                connector.warmUp(url.readService());
            }
            Physical primary = connector.openPrimary();
            RoutingConnection c = new RoutingConnection(connector, lease, primary);
            LOG.debug("{}: connected", c);
            return c;
        } catch (SQLException | RuntimeException | Error e) {
            lease.close();
            throw e;
        }
    }

    @Override
    public String serverAddress() {
        return current.address();
    }

    @Override
    public String invalidReason() {
        return invalidReason;
    }

    // ---------------------------------------------------------------- failover plumbing

    /** Called with every error of a delegate object; returns it (possibly with a chained 08006) to be thrown. */
    SQLException handle(Physical p, SQLException e) {
        if (closed || p.retired) {
            return e;
        }
        ServerErrors.Kind kind = ServerErrors.classify(e);
        if (kind == ServerErrors.Kind.CONNECTION_LOST) {
            p.broken = true;
            markInvalid(p, "connection error (SQLState " + e.getSQLState() + ", error " + e.getErrorCode() + ")");
            connector.refresh(connector.serviceOf(p));
            return e;
        }
        if (kind == ServerErrors.Kind.READ_ONLY_REFUSAL && p.role == Physical.Role.PRIMARY) {
            SQLException refusal = ServerErrors.find(e, kind);
            String reason = p.address() + " refused a write as read-only (error " + refusal.getErrorCode()
                    + "): it is no longer the primary of '" + connector.url().service() + "'";
            markInvalid(p, reason);
            connector.refresh(connector.url().service());
            e.setNextException(new SQLNonTransientConnectionException(
                    reason + "; this connection is invalid now, take a new one", "08006"));
        }
        return e;
    }

    /** Called before every statement execution, with its SQL when known. */
    void noteWork(String sql) {
        if (sql != null) {
            switch (SqlText.effect(sql)) {
                case BEGINS:
                case CHAINS:
                    explicitTransaction = true;
                    break;
                case ENDS:
                    explicitTransaction = false;
                    break;
                case SESSION_TRANSACTION_SETTINGS:
                    autoCommitSetBySql = true;
                    break;
                default:
                    break;
            }
        }
        if (!autoCommit) {
            workInTransaction = true;
        }
    }

    private boolean inTransaction() {
        return explicitTransaction || (!autoCommit && workInTransaction);
    }

    private void markInvalid(Physical p, String reason) {
        if (invalidReason == null) {
            invalidPhysical = p;
            invalidReason = reason;
            LOG.warn("{}: invalid from now on ({} connection): {}", this, p.role.name().toLowerCase(Locale.ROOT), reason);
        }
    }

    private Physical checkOpen() throws SQLException {
        if (closed) {
            throw new SQLNonTransientConnectionException("connection is closed", "08003");
        }
        return current;
    }

    // ---------------------------------------------------------------- re-running refused writes

    /**
     * Whether the statement {@code sql} that failed with {@code e} on {@code p} may be re-run on a
     * new primary: {@code consul.retryReadOnlyWrites} is on, {@code p} is this connection's primary,
     * auto-commit is on (and was not changed through SQL), no {@code BEGIN}/{@code START TRANSACTION}
     * is open, the statement is one statement (not a {@code CALL}, {@code EXECUTE} or
     * multi-statement text, whose parts commit one by one), and the server refused it as read-only
     * (1290/1836 naming read-only): such a statement was not executed, so running it on the new
     * primary runs it exactly once. Any other error (1290 for {@code --secure-file-priv}, a
     * connection reset after sending) may follow work that ran, and is never retried.
     */
    boolean mayRetry(Physical p, SQLException e, String sql) {
        return sql != null && mayReconnect(p) && ServerErrors.own(e) == ServerErrors.Kind.READ_ONLY_REFUSAL
                && !SqlText.mayRunPieceByPiece(sql);
    }

    /** The same conditions, without the error: may this connection move to a new primary now? */
    boolean mayReconnect(Physical p) {
        return connector.url().retryReadOnlyWrites() && !closed && p == primary && !p.retired
                && p.role == Physical.Role.PRIMARY && autoCommit && !autoCommitSetBySql && !explicitTransaction;
    }

    /** The {@link System#nanoTime} deadline for a retry that starts now. */
    long retryDeadline() {
        return System.nanoTime() + connector.url().failoverTimeout().toNanos();
    }

    /** The current primary, for statements whose physical connection was replaced. */
    Physical primaryForStatements() throws SQLException {
        checkOpen();
        return primary;
    }

    /**
     * Replaces the primary {@code old} (refused a write as read-only, or broke) by a newly
     * verified writable primary, carrying the session settings over, and closes {@code old}.
     * When {@code old} was replaced already (by another statement), returns its replacement.
     *
     * @param otherServer the replacement must be another server: {@code old} refused a write as
     *     read-only, so if it is the writable server found again, its refusal stands
     * @throws SQLException when no writable primary (no other one, with {@code otherServer}) turns
     *     up before the deadline
     */
    Physical replacePrimary(Physical old, long deadline, boolean otherServer) throws SQLException {
        checkOpen();
        if (old != primary) {
            return primary;
        }
        connector.refresh(connector.url().service());
        Physical next = connector.openPrimary(deadline, true);
        if (otherServer && next.address().equals(old.address())) {
            Connector.closeQuietly(next.conn);
            throw new SQLException("not re-run: " + old.address() + " refused the statement as read-only, yet it is the"
                    + " writable primary found again (the same server): its refusal stands", "HY000");
        }
        try {
            apply(next);
            if (current == old && readOnly) {
                next.conn.setReadOnly(true);
                next.readOnly = true;
            }
        } catch (SQLException | RuntimeException e) {
            Connector.closeQuietly(next.conn);
            throw e;
        }
        old.retired = true;
        primary = next;
        if (current == old) {
            current = next;
        }
        if (invalidPhysical == old) {
            invalidReason = null;
            invalidPhysical = null;
        }
        Connector.closeQuietly(old.conn);
        if (closed) {
            // closed from another thread (abort) meanwhile
            Connector.closeQuietly(next.conn);
        }
        LOG.info("{}: primary {} replaced by {} after a failover", this, old.address(), next.address());
        return next;
    }

    /** A statement refused by {@code from} ran on {@code to}. */
    void retried(Physical from, Physical to) {
        LOG.debug("{}: re-ran a statement refused as read-only by {} on {}", this, from.address(), to.address());
    }

    /** A JDBC call on one physical connection. */
    @FunctionalInterface
    private interface SqlCall<T> {
        T call(Physical p) throws SQLException;
    }

    /** A JDBC call without a result on one physical connection. */
    @FunctionalInterface
    private interface SqlRun {
        void run(Physical p) throws SQLException;
    }

    /** Runs {@code call} on the current physical connection; its failure goes through {@link #handle}. */
    private <T> T onCurrent(SqlCall<T> call) throws SQLException {
        Physical p = checkOpen();
        try {
            return call.call(p);
        } catch (SQLException e) {
            throw handle(p, e);
        }
    }

    private void runOnCurrent(SqlRun run) throws SQLException {
        onCurrent(p -> {
            run.run(p);
            return null;
        });
    }

    /** Like {@link #onCurrent}, on the connection statements are created on (a broken primary replaced first). */
    private <T> T onStatements(SqlCall<T> call) throws SQLException {
        Physical p = forStatements();
        try {
            return call.call(p);
        } catch (SQLException e) {
            throw handle(p, e);
        }
    }

    /** The current physical connection for a new statement; a broken primary is replaced first when allowed. */
    private Physical forStatements() throws SQLException {
        Physical p = checkOpen();
        if (p.broken && mayReconnect(p)) {
            try {
                return replacePrimary(p, retryDeadline(), false);
            } catch (SQLException e) {
                throw handle(p, e);
            }
        }
        return p;
    }

    // ---------------------------------------------------------------- read/write split

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        if (readOnly == this.readOnly) {
            return;
        }
        if (inTransaction()) {
            throw new SQLException("cannot change the read-only mode inside a transaction: commit or roll back first",
                    "25001");
        }
        Physical target = readOnly ? replicaOrPrimary() : primary;
        try {
            apply(target);
            if (target.readOnly != readOnly) {
                target.conn.setReadOnly(readOnly);
                target.readOnly = readOnly;
            }
        } catch (SQLException e) {
            throw handle(target, e);
        }
        if (!readOnly && primary.readOnly) {
            try {
                primary.conn.setReadOnly(false);
                primary.readOnly = false;
            } catch (SQLException e) {
                throw handle(primary, e);
            }
        }
        current = target;
        this.readOnly = readOnly;
    }

    /** The sticky replica if it is still healthy, else a new one, else (none healthy) the primary. */
    private Physical replicaOrPrimary() {
        Physical r = replica;
        if (r != null && !connector.isHealthy(r)) {
            LOG.debug("{}: replica {} left '{}', picking another", this, r.address(), connector.url().readService());
            Connector.closeQuietly(r.conn);
            replica = r = null;
        }
        if (r == null) {
            r = connector.openReplica();
            replica = r;
        }
        if (r == null) {
            if (connector.url().readService() != null) {
                LOG.debug("{}: no healthy replica in '{}', reading from the primary", this, connector.url().readService());
            }
            return primary;
        }
        return r;
    }

    /** Brings a physical connection's session settings in line with the logical connection's. */
    private void apply(Physical p) throws SQLException {
        if (p.autoCommit != autoCommit) {
            p.conn.setAutoCommit(autoCommit);
            p.autoCommit = autoCommit;
        }
        if (isolation != null && !isolation.equals(p.isolation)) {
            p.conn.setTransactionIsolation(isolation);
            p.isolation = isolation;
        }
        if (catalog != null && !catalog.equals(p.catalog)) {
            p.conn.setCatalog(catalog);
            p.catalog = catalog;
        }
        if (schema != null && !schema.equals(p.schema)) {
            p.conn.setSchema(schema);
            p.schema = schema;
        }
        if (networkTimeout != null && (!networkTimeout.equals(p.networkTimeout) || networkExecutor != p.networkExecutor)) {
            p.conn.setNetworkTimeout(networkExecutor, networkTimeout);
            p.networkTimeout = networkTimeout;
            p.networkExecutor = networkExecutor;
        }
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return readOnly;
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw new SQLException("timeout must be >= 0: " + timeout, "HY000");
        }
        if (closed || invalidReason != null) {
            return false;
        }
        Physical p = current;
        if (!connector.isHealthy(p)) {
            markInvalid(p, p.address() + " left the healthy instances of '" + connector.serviceOf(p) + "'");
            return false;
        }
        try {
            return p.conn.isValid(timeout);
        } catch (SQLException e) {
            handle(p, e);
            return false;
        }
    }

    // ---------------------------------------------------------------- transactions and session state

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            throw handle(p, e);
        }
        p.autoCommit = autoCommit;
        this.autoCommit = autoCommit;
        if (autoCommit) {
            // switching auto-commit on commits the open transaction
            workInTransaction = false;
            explicitTransaction = false;
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.commit();
        } catch (SQLException e) {
            throw handle(p, e);
        } finally {
            workInTransaction = false;
            explicitTransaction = false;
        }
    }

    @Override
    public void rollback() throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.rollback();
        } catch (SQLException e) {
            throw handle(p, e);
        } finally {
            workInTransaction = false;
            explicitTransaction = false;
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        runOnCurrent(p -> p.conn.rollback(savepoint));
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        Physical p = checkOpen();
        noteWork(null);
        try {
            return p.conn.setSavepoint();
        } catch (SQLException e) {
            throw handle(p, e);
        }
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        Physical p = checkOpen();
        noteWork(null);
        try {
            return p.conn.setSavepoint(name);
        } catch (SQLException e) {
            throw handle(p, e);
        }
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        runOnCurrent(p -> p.conn.releaseSavepoint(savepoint));
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.setTransactionIsolation(level);
        } catch (SQLException e) {
            throw handle(p, e);
        }
        p.isolation = level;
        isolation = level;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        return onCurrent(p -> p.conn.getTransactionIsolation());
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.setCatalog(catalog);
        } catch (SQLException e) {
            throw handle(p, e);
        }
        p.catalog = catalog;
        this.catalog = catalog;
    }

    @Override
    public String getCatalog() throws SQLException {
        return onCurrent(p -> p.conn.getCatalog());
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.setSchema(schema);
        } catch (SQLException e) {
            throw handle(p, e);
        }
        p.schema = schema;
        this.schema = schema;
    }

    @Override
    public String getSchema() throws SQLException {
        return onCurrent(p -> p.conn.getSchema());
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        Physical p = checkOpen();
        try {
            p.conn.setNetworkTimeout(executor, milliseconds);
        } catch (SQLException e) {
            throw handle(p, e);
        }
        p.networkExecutor = executor;
        p.networkTimeout = milliseconds;
        networkExecutor = executor;
        networkTimeout = milliseconds;
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return onCurrent(p -> p.conn.getNetworkTimeout());
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        runOnCurrent(p -> p.conn.setHoldability(holdability));
    }

    @Override
    public int getHoldability() throws SQLException {
        return onCurrent(p -> p.conn.getHoldability());
    }

    // ---------------------------------------------------------------- statements

    @Override
    public Statement createStatement() throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.createStatement(), null));
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.createStatement(resultSetType, resultSetConcurrency), null));
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p,
                    c -> c.createStatement(resultSetType, resultSetConcurrency, resultSetHoldability), null));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareStatement(sql), sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareStatement(sql, autoGeneratedKeys), sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareStatement(sql, columnIndexes), sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareStatement(sql, columnNames), sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency), sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p,
                    c -> c.prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql));
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareCall(sql), sql));
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p, c -> c.prepareCall(sql, resultSetType, resultSetConcurrency), sql));
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        return onStatements(p -> JdbcProxies.statement(this, p,
                    c -> c.prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql));
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        return onCurrent(p -> p.conn.nativeSQL(sql));
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return onCurrent(p -> JdbcProxies.metaData(this, p, p.conn.getMetaData()));
    }

    // ---------------------------------------------------------------- plain delegation

    @Override
    public SQLWarning getWarnings() throws SQLException {
        return onCurrent(p -> p.conn.getWarnings());
    }

    @Override
    public void clearWarnings() throws SQLException {
        runOnCurrent(p -> p.conn.clearWarnings());
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return checkOpen().conn.getTypeMap();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen().conn.setTypeMap(map);
    }

    @Override
    public Clob createClob() throws SQLException {
        return checkOpen().conn.createClob();
    }

    @Override
    public Blob createBlob() throws SQLException {
        return checkOpen().conn.createBlob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        return checkOpen().conn.createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return checkOpen().conn.createSQLXML();
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return checkOpen().conn.createArrayOf(typeName, elements);
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return checkOpen().conn.createStruct(typeName, attributes);
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        if (closed) {
            throw new SQLClientInfoException("connection is closed", "08003", 0, Map.of());
        }
        current.conn.setClientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        if (closed) {
            throw new SQLClientInfoException("connection is closed", "08003", 0, Map.of());
        }
        current.conn.setClientInfo(properties);
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        return checkOpen().conn.getClientInfo(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return checkOpen().conn.getClientInfo();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Physical r = replica;
            if (r != null) {
                Connector.closeQuietly(r.conn);
            }
            Connector.closeQuietly(primary.conn);
        } finally {
            releaseLease();
        }
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        Objects.requireNonNull(executor, "executor");
        if (closed) {
            return;
        }
        closed = true;
        try {
            Physical r = replica;
            if (r != null) {
                abortQuietly(r, executor);
            }
            abortQuietly(primary, executor);
        } finally {
            releaseLease();
        }
    }

    private static void abortQuietly(Physical p, Executor executor) {
        try {
            p.conn.abort(executor);
        } catch (SQLException | RuntimeException e) {
            LOG.trace("aborting {} failed", p, e);
        }
    }

    private void releaseLease() {
        try {
            lease.close();
        } catch (Exception e) {
            LOG.debug("releasing the discovery client failed", e);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return checkOpen().conn.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || checkOpen().conn.isWrapperFor(iface);
    }

    /** The URL (secrets masked) and the current server; never a password. */
    @Override
    public String toString() {
        return "ConsulConnection[" + connector.url() + " -> " + current + (readOnly ? ", read-only" : "")
                + (closed ? ", closed" : invalidReason != null ? ", invalid" : "") + "]";
    }
}
