package io.waymark.jdbc.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The physical connections behind one logical {@code jdbc:consul:} connection and what happens
 * when one fails: which one is current (the primary, or while read-only a replica), the one
 * handler every delegated call's error goes through ({@link #handle}), the validity verdict, and
 * the replacement of a primary that refused a write as read-only or broke. The logical
 * connection ({@link RoutingConnection}) keeps the JDBC surface; statement proxies
 * ({@link JdbcProxies}) call back here.
 *
 * <p><b>Threading:</b> like any JDBC connection, meant for one thread at a time; {@link #isValid},
 * {@link #isClosed}, {@link #abort} and {@link #describe} may be called from other threads (pool
 * housekeeping): what they read is volatile.
 */
final class Routing {

    private static final Logger LOG = LoggerFactory.getLogger(Routing.class);

    /** What the note chained to an error of a call in flight when its connection broke says. */
    static final String OUTCOME_UNKNOWN = "outcome is unknown";
    /** How long a suspect connection may take to answer {@code isValid} before it is taken as broken. */
    private static final int SUSPECT_CHECK_SECONDS = 1;

    /** A JDBC call on one physical connection. */
    @FunctionalInterface
    interface SqlCall<T> {
        T call(Physical p) throws SQLException;
    }

    /** A JDBC call without a result on one physical connection. */
    @FunctionalInterface
    interface SqlRun {
        void run(Physical p) throws SQLException;
    }

    private final Connector connector;
    private final AutoCloseable lease;
    /** What the user set through JDBC, carried to every physical connection used. */
    final SessionState session;
    final TransactionTracker transactions = new TransactionTracker();
    private Connection logical;
    private volatile Physical primary;
    private Physical replica;
    private volatile Physical current;
    private volatile boolean closed;
    private volatile String invalidReason;
    /** The physical connection whose trouble made this connection invalid (cleared when it is replaced). */
    private volatile Physical invalidPhysical;

    Routing(Connector connector, AutoCloseable lease, Physical primary) {
        this.connector = connector;
        this.lease = lease;
        this.primary = primary;
        this.current = primary;
        this.session = new SessionState(primary.session.autoCommit);
    }

    /** The logical connection, which statements and metadata report as theirs. */
    Connection logical() {
        return logical;
    }

    void logical(Connection logical) {
        this.logical = logical;
    }

    Connector connector() {
        return connector;
    }

    String invalidReason() {
        return invalidReason;
    }

    String serverAddress() {
        return current.address();
    }

    boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- the one handler

    /**
     * Called with every error of every delegated call (the logical connection's and its
     * statements', result sets' and metadata's); returns it, possibly with a chained
     * {@code 08006} exception, to be thrown. A connection loss marks the physical connection
     * broken and the logical one invalid; a read-only refusal on the primary marks it invalid and
     * chains an {@code 08006} ({@link SQLException#getNextException()}), so that pools which evict
     * on SQLState class 08 (HikariCP) drop the connection at once. Either asks Consul again.
     */
    SQLException handle(Physical p, SQLException e) {
        if (closed || p.retired) {
            return e;
        }
        ServerErrors.Kind kind = ServerErrors.classify(e);
        if (kind == ServerErrors.Kind.CONNECTION_LOST) {
            p.broken = true;
            String cut = p.cutReason;
            markInvalid(p, cut != null ? "cut off: " + cut
                    : "connection error (SQLState " + e.getSQLState() + ", error " + e.getErrorCode() + ")");
            if (p.role == Physical.Role.PRIMARY) {
                connector.prober.watch().connectionLost(p);
            }
            connector.refresh(connector.serviceOf(p));
            e.setNextException(new SQLNonTransientConnectionException(p.address() + (cut != null ? " was cut off ("
                    + cut + ")" : " broke") + " with this call in flight: its " + OUTCOME_UNKNOWN + " (it may or may"
                    + " not have run there; it is not re-run); this connection is invalid now, take a new one", "08006"));
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

    /** Runs {@code call} on the current physical connection; its failure goes through {@link #handle}. */
    <T> T call(SqlCall<T> call) throws SQLException {
        return on(checkOpen(), call);
    }

    void run(SqlRun run) throws SQLException {
        call(p -> {
            run.run(p);
            return null;
        });
    }

    /** Like {@link #call}, on the connection statements are created on (a broken primary replaced first). */
    <T> T onStatements(SqlCall<T> call) throws SQLException {
        return on(forStatements(), call);
    }

    private <T> T on(Physical p, SqlCall<T> call) throws SQLException {
        p.begin();
        try {
            return call.call(p);
        } catch (SQLException e) {
            throw handle(p, e);
        } finally {
            p.end();
        }
    }

    /**
     * The current physical connection for a new statement; a broken primary (or one that fails
     * the check of a suspect) is replaced first when allowed. A failure to replace it means nothing
     * was sent: it reaches the caller as is ({@code 08001}, no writable primary).
     */
    private Physical forStatements() throws SQLException {
        Physical p = checkOpen();
        if (usable(p) && !demoted(p)) {
            return p;
        }
        if (mayReconnect(p)) {
            return replacePrimary(p, retryDeadline(), false);
        }
        throw notSent(p);
    }

    /**
     * Whether something may be sent on {@code p}: it did not break, and if another connection to
     * its server broke (a crash closes every socket, each connection learns it only when it sends)
     * it answers {@code isValid} now. Checked before a statement is sent, so that a dead socket found
     * here costs nothing but the check: the statement was not sent and moves to a new primary.
     */
    boolean usable(Physical p) {
        if (p.suspect && !p.broken) {
            p.suspect = false;
            boolean alive;
            try {
                alive = p.conn.isValid(SUSPECT_CHECK_SECONDS);
            } catch (SQLException | RuntimeException e) {
                alive = false;
            }
            if (!alive) {
                p.broken = true;
                markInvalid(p, "connection error (found by a check before sending, after another connection to "
                        + p.address() + " broke)");
            }
        }
        return !p.broken;
    }

    /**
     * Whether {@code p} is a primary this connection may leave now (see {@link #mayReconnect}) and
     * Consul lists another server as the primary: a switchover happened while this connection sent
     * nothing. The next statement moves to the new primary before it is sent, so that it reads what
     * other connections wrote there (the demoted server, a replica now, may lag behind) instead of
     * waiting for a write to be refused as read-only. Costs a cached lookup per statement.
     */
    boolean demoted(Physical p) {
        return p.role == Physical.Role.PRIMARY && mayReconnect(p) && connector.listsAnotherPrimary(p);
    }

    /** {@code p} broke before a statement was sent on it, and this connection cannot move now: say so, class 08. */
    SQLException notSent(Physical p) {
        return new SQLNonTransientConnectionException("not sent: the connection to " + p.address() + " broke"
                + (p.cutReason != null ? " (cut off: " + p.cutReason + ")" : "") + " before this statement was sent,"
                + " and this connection cannot move to another server now (" + (p.role == Physical.Role.REPLICA
                        ? "it reads from a replica" : "a transaction is open, or auto-commit is off")
                + "): roll back and take a new connection", "08003");
    }

    /**
     * Called by the {@link PrimaryWatch}: {@code p}'s server stopped answering while another one
     * answers writable. Marks it broken and this connection invalid, and aborts it, so that a
     * statement waiting on it fails now (its outcome unknown) and the next one moves.
     *
     * @return false when {@code p} is not this connection's primary any more, or broke already
     */
    boolean cut(Physical p, String reason, Executor executor) {
        if (p != primary || p.broken || closed) {
            return false;
        }
        p.cutReason = reason;
        p.broken = true;
        markInvalid(p, "cut off: " + reason);
        connector.counters.connectionsCutOff.increment();
        DelegateConnections.cut(p, executor);
        return true;
    }

    /** The current primary (for the {@link PrimaryWatch}). */
    Physical primaryNow() {
        return primary;
    }

    /** The current physical connection; fails with {@code 08003} once closed. */
    Physical checkOpen() throws SQLException {
        if (closed) {
            throw new SQLNonTransientConnectionException("connection is closed", "08003");
        }
        return current;
    }

    private void markInvalid(Physical p, String reason) {
        if (invalidReason == null) {
            invalidPhysical = p;
            invalidReason = reason;
            connector.counters.connectionsInvalidated.increment();
            LOG.warn("{}: invalid from now on ({} connection): {}", describe(), p.role.name().toLowerCase(Locale.ROOT),
                    reason);
        }
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
                && p.role == Physical.Role.PRIMARY && session.autoCommit && transactions.sqlLeftTransactionsAlone();
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
            session.applyTo(next.conn, next.session);
            if (current == old && session.readOnly) {
                SessionState.applyReadOnly(next.conn, next.session, true);
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
        LOG.info("{}: primary {} replaced by {} after a failover", describe(), old.address(), next.address());
        return next;
    }

    /** A statement refused by {@code from} ran on {@code to}. */
    void retried(Physical from, Physical to) {
        connector.counters.statementsReRun.increment();
        LOG.debug("{}: re-ran a statement refused as read-only by {} on {}", describe(), from.address(), to.address());
    }

    // ---------------------------------------------------------------- read/write split

    /**
     * Moves to a replica ({@code readOnly}) or back to the primary, between transactions only;
     * the session settings follow.
     */
    void switchReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        if (readOnly == session.readOnly) {
            return;
        }
        if (transactions.inTransaction(session.autoCommit)) {
            throw new SQLException("cannot change the read-only mode inside a transaction: commit or roll back first",
                    "25001");
        }
        Physical target = readOnly ? replicaOrPrimary() : primary;
        try {
            session.applyTo(target.conn, target.session);
            SessionState.applyReadOnly(target.conn, target.session, readOnly);
        } catch (SQLException e) {
            throw handle(target, e);
        }
        if (!readOnly) {
            try {
                SessionState.applyReadOnly(primary.conn, primary.session, false);
            } catch (SQLException e) {
                throw handle(primary, e);
            }
        }
        current = target;
        session.readOnly = readOnly;
    }

    /** The sticky replica if it is still healthy, else a new one, else (none healthy) the primary. */
    private Physical replicaOrPrimary() {
        Physical r = replica;
        if (r != null && !connector.isHealthy(r)) {
            LOG.debug("{}: replica {} left '{}', picking another", describe(), r.address(),
                    connector.url().readService());
            Connector.closeQuietly(r.conn);
            replica = r = null;
        }
        if (r == null) {
            r = connector.openReplica();
            replica = r;
        }
        if (r == null) {
            if (connector.url().readService() != null) {
                LOG.debug("{}: no healthy replica in '{}', reading from the primary", describe(),
                        connector.url().readService());
            }
            return primary;
        }
        return r;
    }

    // ---------------------------------------------------------------- validity and lifecycle

    /**
     * False once the current server left the healthy instances of its role in Consul, refused a write
     * as read-only, or broke; but a primary connection that may move (see {@link #demoted}) moves to
     * the primary Consul lists, within {@code timeout}, and stays valid. (A pool hands a connection it
     * used within its last half second back without asking {@code isValid}, so a health check
     * polling more often than that would otherwise see the same invalid connection for good.)
     */
    boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw new SQLException("timeout must be >= 0: " + timeout, "HY000");
        }
        if (closed) {
            return false;
        }
        Physical p = current;
        if (demoted(p)) {
            long budget = connector.url().failoverTimeout().toNanos();
            if (timeout > 0) {
                budget = Math.min(budget, TimeUnit.SECONDS.toNanos(timeout));
            }
            try {
                p = replacePrimary(p, System.nanoTime() + budget, true);
            } catch (SQLException e) {
                markInvalid(p, p.address() + " left '" + connector.url().service() + "' for another server, and this"
                        + " connection could not move there: " + e.getMessage());
                return false;
            }
        }
        if (invalidReason != null) {
            return false;
        }
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

    void close() {
        end(p -> Connector.closeQuietly(p.conn));
    }

    void abort(Executor executor) {
        end(p -> DelegateConnections.abortQuietly(p, executor));
    }

    /** Closes once: the replica and the primary the way given, then the lease on the discovery client. */
    private void end(Consumer<Physical> how) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Physical r = replica;
            if (r != null) {
                how.accept(r);
            }
            how.accept(primary);
        } finally {
            connector.prober.watch().remove(this);
            releaseLease();
        }
    }

    private void releaseLease() {
        try {
            lease.close();
        } catch (Exception e) {
            LOG.debug("releasing the discovery client failed", e);
        }
    }

    /** The URL (secrets masked) and the current server; never a password. */
    String describe() {
        return "ConsulConnection[" + connector.url() + " -> " + current + (session.readOnly ? ", read-only" : "")
                + (closed ? ", closed" : invalidReason != null ? ", invalid" : "") + "]";
    }
}
