package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryException;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds servers through Consul and opens delegate connections to them: a verified-writable
 * primary, or any healthy replica. Stateless apart from the replica rotation; thread-safe.
 */
final class Connector {

    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final AtomicInteger REPLICA_ROTATION = new AtomicInteger();

    private final ConsulUrl url;
    private final ConsulDiscovery discovery;
    private final Driver driver;

    Connector(ConsulUrl url, ConsulDiscovery discovery, Driver driver) {
        this.url = url;
        this.discovery = discovery;
        this.driver = driver;
    }

    ConsulUrl url() {
        return url;
    }

    /**
     * A connection to a writable primary. Tries every endpoint Consul lists; while none is
     * writable (mid-failover: the old primary demoted, the new one not yet passing its check)
     * asks Consul again with a short backoff until {@code consul.failoverTimeout}.
     */
    Physical openPrimary() throws SQLException {
        return openPrimary(System.nanoTime() + url.failoverTimeout().toNanos(), false);
    }

    /**
     * Like {@link #openPrimary()}, until the given {@link System#nanoTime} deadline.
     *
     * @param replacing the caller replaces a primary that refused a write as read-only or broke:
     *     ask Consul again before the first round (the cached answer is wrong), and verify
     *     {@code @@read_only = 0} even with {@code consul.roleCheck=false} (re-running a refused
     *     statement on a server that refuses it again helps nobody)
     */
    Physical openPrimary(long deadline, boolean replacing) throws SQLException {
        long backoff = MIN_BACKOFF_NANOS;
        boolean verify = url.roleCheck() || replacing;
        Endpoints endpoints = replacing ? refreshNow(url.service(), deadline) : resolve(url.service());
        while (true) {
            List<String> failures = new ArrayList<>();
            for (Endpoint e : endpoints.all()) {
                Physical p = tryPrimary(e, failures, verify);
                if (p != null) {
                    return p;
                }
            }
            if (endpoints.isEmpty()) {
                failures.add("Consul lists no healthy instance" + (endpoints.stale() ? " (stale answer: Consul unreachable)" : ""));
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SQLException("no writable primary for '" + url.service() + "' (Consul agents "
                        + url.discoveryKey().agents() + ") within " + url.failoverTimeout().toMillis() + " ms: "
                        + String.join("; ", failures), "08001");
            }
            LOG.debug("no writable primary for '{}' yet: {}", url.service(), failures);
            Endpoints changed = awaitChange(url.service(), endpoints, Math.min(backoff, remaining));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
            endpoints = changed != null ? changed : refreshNow(url.service(), deadline);
        }
    }

    /**
     * Waits up to {@code nanos} for Consul's answer to differ from {@code tried}, through the
     * shared watch (so that a new primary is tried as soon as Consul lists it, not at the end of
     * a backoff); null when nothing changed.
     */
    private Endpoints awaitChange(String service, Endpoints tried, long nanos) throws SQLException {
        CompletableFuture<Endpoints> changed = new CompletableFuture<>();
        Watch watch;
        try {
            watch = discovery.watch(service, e -> {
                if (!e.sameEndpoints(tried)) {
                    changed.complete(e);
                }
            });
        } catch (RuntimeException e) {
            sleep(nanos);
            return null;
        }
        try {
            return changed.get(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while looking for a writable primary for '" + service + "'", "08001", e);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        } finally {
            watch.close();
        }
    }

    private Physical tryPrimary(Endpoint e, List<String> failures, boolean verify) throws SQLException {
        int port = port(e);
        String address = e.address().endsWith(":0") ? e.host() + ":" + port : e.address();
        Connection c = null;
        try {
            c = open(e.host(), port);
            if (verify && isReadOnly(c)) {
                failures.add(address + " is read-only (@@read_only = 1)");
                closeQuietly(c);
                refresh(url.service());
                return null;
            }
            return new Physical(c, e, e.host(), port, Physical.Role.PRIMARY, c.getAutoCommit());
        } catch (SQLException ex) {
            closeQuietly(c);
            if (!isRetryable(ex)) {
                // bad credentials, unknown database, bad driver parameter: another round will not help
                throw ex;
            }
            failures.add(address + ": " + Secrets.maskUrl(ex.getMessage()));
            refresh(url.service());
            return null;
        }
    }

    /** A connection to one of the replicas, or null when none is configured or reachable. */
    Physical openReplica() {
        String service = url.readService();
        if (service == null) {
            return null;
        }
        Endpoints endpoints;
        try {
            endpoints = resolve(service);
        } catch (SQLException e) {
            LOG.debug("cannot resolve the read service '{}': {}", service, e.getMessage());
            return null;
        }
        List<Endpoint> all = endpoints.all();
        int n = all.size();
        int start = n == 0 ? 0 : Math.floorMod(REPLICA_ROTATION.getAndIncrement(), n);
        for (int i = 0; i < n; i++) {
            Endpoint e = all.get((start + i) % n);
            int port = port(e);
            try {
                Connection c = open(e.host(), port);
                return new Physical(c, e, e.host(), port, Physical.Role.REPLICA, c.getAutoCommit());
            } catch (SQLException ex) {
                LOG.debug("replica {} of '{}' refused a connection: {}", e, service, Secrets.maskUrl(ex.getMessage()));
                refresh(service);
            }
        }
        return null;
    }

    /** Whether the server is still listed as healthy for its role; true when Consul's answer is unknown. */
    boolean isHealthy(Physical p) {
        String service = serviceOf(p);
        Endpoints endpoints;
        try {
            endpoints = discovery.resolve(service);
        } catch (RuntimeException e) {
            return true;
        }
        for (Endpoint e : endpoints.all()) {
            if (p.sameServer(e, url.defaultPort())) {
                return true;
            }
        }
        return false;
    }

    String serviceOf(Physical p) {
        return p.role == Physical.Role.PRIMARY ? url.service() : url.readService();
    }

    /** Asks Consul again in the background: the caller has first-hand evidence that the cached answer is wrong. */
    void refresh(String service) {
        try {
            discovery.refresh(service).whenComplete((e, t) -> {
                if (t != null) {
                    LOG.debug("refreshing '{}' failed: {}", service, t.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("refreshing '{}' failed: {}", service, e.toString());
        }
    }

    /** Starts watching a name without waiting for it, so that the first use does not block. */
    void warmUp(String service) {
        try {
            discovery.resolveAsync(service);
        } catch (RuntimeException e) {
            LOG.debug("resolving '{}' failed: {}", service, e.toString());
        }
    }

    Endpoints resolve(String service) throws SQLException {
        try {
            return discovery.resolve(service);
        } catch (IllegalArgumentException e) {
            throw new SQLException("'" + service + "' is not a valid Consul name: " + e.getMessage(), "08001", e);
        } catch (DiscoveryException e) {
            throw new SQLException("Consul (agents " + url.discoveryKey().agents() + ") did not resolve '" + service
                    + "': " + e.getMessage(), "08001", e);
        }
    }

    private Endpoints refreshNow(String service, long deadline) throws SQLException {
        long wait = Math.max(1, deadline - System.nanoTime());
        try {
            return discovery.refresh(service).get(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while looking for a writable primary for '" + service + "'", "08001", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return resolve(service);
        }
    }

    private Connection open(String host, int port) throws SQLException {
        String delegateUrl = url.delegateUrl(host, port);
        Connection c = driver.connect(delegateUrl, url.delegateProperties());
        if (c == null) {
            throw new SQLException(url.subprotocol().driverClass() + " did not accept " + Secrets.maskUrl(delegateUrl),
                    "08001");
        }
        return c;
    }

    private int port(Endpoint e) {
        return e.port() > 0 ? e.port() : url.defaultPort();
    }

    private static boolean isReadOnly(Connection c) throws SQLException {
        boolean readOnly;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@read_only")) {
            readOnly = !rs.next() || rs.getInt(1) != 0;
        }
        if (!c.getAutoCommit()) {
            // the check must not leave a transaction open behind the caller's back
            c.rollback();
        }
        return readOnly;
    }

    /** Connection-level trouble (worth trying another server or round) rather than a configuration error. */
    static boolean isRetryable(SQLException e) {
        String state = e.getSQLState();
        if (state != null && state.startsWith("28")) {
            return false;
        }
        if (isConnectionError(e)) {
            return true;
        }
        // 1040 too many connections, 1290/1836 read-only, 1047/1053 server shutting down / unknown command
        int code = e.getErrorCode();
        return state == null || code == 1040 || code == 1290 || code == 1836 || code == 1053 || code == 1047;
    }

    static boolean isConnectionError(SQLException e) {
        SQLException x = e;
        for (int depth = 0; x != null && depth < 10; depth++) {
            String state = x.getSQLState();
            if ((state != null && state.startsWith("08")) || x instanceof SQLNonTransientConnectionException
                    || x instanceof SQLTransientConnectionException) {
                return true;
            }
            x = x.getNextException();
        }
        return false;
    }

    static int readOnlyErrorCode(SQLException e) {
        Throwable x = e;
        for (int depth = 0; x != null && depth < 10; depth++) {
            if (x instanceof SQLException) {
                int code = ((SQLException) x).getErrorCode();
                if (code == 1290 || code == 1836) {
                    return code;
                }
                SQLException next = ((SQLException) x).getNextException();
                x = next != null ? next : x.getCause();
            } else {
                x = x.getCause();
            }
        }
        return 0;
    }

    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                LOG.trace("closing a delegate connection failed", e);
            }
        }
    }

    private static void sleep(long nanos) throws SQLException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while looking for a writable primary", "08001", e);
        }
    }
}
