package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryException;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds servers through Consul and opens delegate connections to them: a verified-writable
 * primary, or any healthy replica; during a failover also probes the servers known besides
 * Consul's current answer ({@code consul.probeKnownNodes}). Stateless apart from the replica
 * rotation and the shared {@link NodeProber}; thread-safe.
 */
final class Connector {

    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /**
     * Between rounds that probe the known servers: a switchover promotes the replica a moment
     * after the refusal, and the next probe should see it well within a second.
     */
    private static final long MAX_PROBE_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Connect and read timeout of a probe, and how long a round waits for the probes' answers. */
    static final int PROBE_TIMEOUT_MILLIS = 1000;
    private static final long MIN_PROBE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * Replication status statements, tried in order until one is understood: MariaDB's
     * multi-source form, MySQL 8.0.22+ / MariaDB 10.5+, then the old form.
     */
    private static final List<String> REPLICATION_STATUS = List.of("SHOW ALL SLAVES STATUS", "SHOW REPLICA STATUS",
            "SHOW SLAVE STATUS");
    private static final AtomicInteger REPLICA_ROTATION = new AtomicInteger();

    private final ConsulUrl url;
    private final ConsulDiscovery discovery;
    private final Driver driver;
    private final NodeProber prober;

    Connector(ConsulUrl url, ConsulDiscovery discovery, Driver driver, NodeProber prober) {
        this.url = url;
        this.discovery = discovery;
        this.driver = driver;
        this.prober = prober;
    }

    ConsulUrl url() {
        return url;
    }

    /**
     * A connection to a writable primary. Tries every endpoint Consul lists; while none is
     * writable (mid-failover: the old primary demoted, the new one not yet passing its check)
     * probes the other known servers ({@code consul.probeKnownNodes}) and asks Consul again, with a
     * short backoff, until {@code consul.failoverTimeout}.
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
        long maxBackoff = url.probeKnownNodes() ? MAX_PROBE_BACKOFF_NANOS : MAX_BACKOFF_NANOS;
        boolean verify = url.roleCheck() || replacing;
        Endpoints endpoints = replacing ? refreshNow(url.service(), deadline) : resolve(url.service());
        while (true) {
            prober.remember(url.service(), endpoints.all());
            List<String> failures = new ArrayList<>();
            Set<String> tried = new HashSet<>();
            long roundStarted = System.nanoTime();
            for (Endpoint e : endpoints.all()) {
                Physical p = tryPrimary(e, failures, verify);
                if (p != null) {
                    return p;
                }
                tried.add(address(e));
            }
            if (endpoints.isEmpty()) {
                failures.add("Consul lists no healthy instance" + (endpoints.stale() ? " (stale answer: Consul unreachable)" : ""));
            }
            if (url.probeKnownNodes()) {
                Physical p = probeKnownNodes(tried, roundStarted, failures, deadline);
                if (p != null) {
                    return p;
                }
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SQLException("no writable primary for '" + url.service() + "' (Consul agents "
                        + url.discoveryKey().agents() + ") within " + url.failoverTimeout().toMillis() + " ms: "
                        + String.join("; ", failures), "08001");
            }
            LOG.debug("no writable primary for '{}' yet: {}", url.service(), failures);
            Endpoints changed = awaitChange(url.service(), endpoints, Math.min(backoff, remaining));
            backoff = Math.min(backoff * 2, maxBackoff);
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

    /**
     * Probes, in parallel, every server known besides those Consul's answer for the primary gave
     * in this round ({@code tried}): the instances of {@code consul.readService} (a promoted
     * replica stays listed there until Consul runs its check again), every instance seen
     * for either service before (the demoted or restarted primary included), and every instance
     * registered under either name whatever its health (a role-checked replica is registered under
     * the primary's name too, failing that check). When exactly one
     * answers {@code @@read_only = 0} and is not replicating, opens and verifies a primary
     * connection to it (fencing: that server's own answer, on the connection handed out, is the
     * proof; neither Consul's word nor another server's answer is). None, or several (split
     * brain), leave the choice to Consul: null.
     *
     * @param notBefore the {@link System#nanoTime} this round started: older probe answers are not shared
     */
    private Physical probeKnownNodes(Set<String> tried, long notBefore, List<String> failures, long deadline)
            throws SQLException {
        Map<String, Endpoint> nodes = new LinkedHashMap<>();
        String readService = url.readService();
        if (readService != null) {
            try {
                List<Endpoint> replicas = discovery.resolve(readService).all();
                prober.remember(readService, replicas);
                replicas.forEach(e -> nodes.putIfAbsent(address(e), e));
            } catch (RuntimeException e) {
                LOG.debug("cannot resolve the read service '{}': {}", readService, describe(e));
            }
            prober.known(readService).forEach(e -> nodes.putIfAbsent(address(e), e));
        }
        prober.known(url.service()).forEach(e -> nodes.putIfAbsent(address(e), e));
        prober.registered(url.service()).forEach(e -> nodes.putIfAbsent(address(e), e));
        if (readService != null) {
            prober.registered(readService).forEach(e -> nodes.putIfAbsent(address(e), e));
        }
        nodes.keySet().removeAll(tried);
        if (nodes.isEmpty()) {
            return null;
        }
        Map<String, CompletableFuture<NodeProber.Probe>> probes = new LinkedHashMap<>();
        for (Map.Entry<String, Endpoint> n : nodes.entrySet()) {
            Endpoint e = n.getValue();
            String key = url.delegateUrl(e.host(), port(e)) + '\n' + url.delegateProperties().hashCode();
            probes.put(n.getKey(), prober.probe(key, notBefore, () -> probe(e, key)));
        }
        long now = System.nanoTime();
        // past the deadline too, a last round still gets a moment to hear the answers (they say why it failed)
        long until = Math.max(now + MIN_PROBE_WAIT_NANOS,
                Math.min(deadline, now + TimeUnit.MILLISECONDS.toNanos(PROBE_TIMEOUT_MILLIS)));
        List<Endpoint> writable = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<NodeProber.Probe>> p : probes.entrySet()) {
            NodeProber.Probe answer;
            try {
                answer = p.getValue().get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while looking for a writable primary for '" + url.service() + "'",
                        "08001", e);
            } catch (ExecutionException | TimeoutException e) {
                answers.add(p.getKey() + " gave no answer");
                continue;
            }
            answers.add(p.getKey() + " " + answer);
            if (answer.state == NodeProber.Probe.State.WRITABLE) {
                writable.add(nodes.get(p.getKey()));
            }
        }
        LOG.debug("probed the known servers of '{}': {}", url.service(), answers);
        if (writable.size() > 1) {
            failures.add("probed servers " + writable.stream().map(this::address).collect(Collectors.toList())
                    + " are all writable (split brain?): waiting for Consul to choose");
            LOG.warn("several servers known for '{}' are writable: {}; waiting for Consul to choose", url.service(), answers);
            return null;
        }
        if (writable.isEmpty()) {
            failures.add("no other known server is writable: " + String.join(", ", answers));
            return null;
        }
        Endpoint chosen = writable.get(0);
        Physical p = tryPrimary(chosen, failures, true);
        if (p != null) {
            LOG.info("'{}': {} answered @@read_only = 0 and is the only writable server known; using it as the"
                    + " primary before Consul lists it", url.service(), address(chosen));
        }
        return p;
    }

    /** Asks one server (on the probe pool) whether it could be the primary. Never throws. */
    private NodeProber.Probe probe(Endpoint e, String key) {
        int port = port(e);
        Properties props = url.delegateProperties();
        // both Connector/J and MariaDB Connector/J take these, in milliseconds
        props.setProperty("connectTimeout", String.valueOf(PROBE_TIMEOUT_MILLIS));
        props.setProperty("socketTimeout", String.valueOf(PROBE_TIMEOUT_MILLIS));
        Connection c = null;
        try {
            c = driver.connect(url.delegateUrl(e.host(), port), props);
            if (c == null) {
                return new NodeProber.Probe(NodeProber.Probe.State.UNREACHABLE, false, "driver refused the URL");
            }
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT @@read_only")) {
                    if (!rs.next() || rs.getInt(1) != 0) {
                        return new NodeProber.Probe(NodeProber.Probe.State.READ_ONLY, false, null);
                    }
                }
                Boolean replicating = replicating(s, prober, key);
                if (replicating == null) {
                    return new NodeProber.Probe(NodeProber.Probe.State.WRITABLE, false, "replication status not readable");
                }
                return new NodeProber.Probe(replicating ? NodeProber.Probe.State.REPLICATING
                        : NodeProber.Probe.State.WRITABLE, true, null);
            }
        } catch (SQLException | RuntimeException ex) {
            return new NodeProber.Probe(NodeProber.Probe.State.UNREACHABLE, false, Secrets.maskUrl(String.valueOf(ex.getMessage())));
        } finally {
            closeQuietly(c);
        }
    }

    /**
     * Whether the server's replication threads run: true when any replication connection has
     * its IO or SQL thread not "No"; null when no status statement is understood or allowed
     * (MariaDB wants SLAVE MONITOR / REPLICA MONITOR or SUPER, MySQL REPLICATION CLIENT, which an
     * app user often lacks): the caller then goes by {@code @@read_only} alone. Which statement
     * works for a server is remembered, so that a refused one is not asked again (delegates log
     * every server error).
     */
    static Boolean replicating(Statement s, NodeProber prober, String server) throws SQLException {
        int first = prober.replicationStatus(server);
        for (int i = Math.max(0, first); first != NodeProber.NOT_READABLE && i < REPLICATION_STATUS.size(); i++) {
            String sql = REPLICATION_STATUS.get(i);
            try (ResultSet rs = s.executeQuery(sql)) {
                ResultSetMetaData md = rs.getMetaData();
                List<Integer> threads = new ArrayList<>();
                for (int c = 1; c <= md.getColumnCount(); c++) {
                    String label = md.getColumnLabel(c).toLowerCase(Locale.ROOT);
                    if (label.endsWith("_io_running") || label.endsWith("_sql_running")) {
                        threads.add(c);
                    }
                }
                boolean running = false;
                while (rs.next()) {
                    if (threads.isEmpty()) {
                        // a replication connection whose threads we cannot read: assume the worst
                        running = true;
                    }
                    for (int c : threads) {
                        String state = rs.getString(c);
                        if (state != null && !state.isEmpty() && !state.equalsIgnoreCase("No")) {
                            running = true;
                        }
                    }
                }
                prober.replicationStatus(server, i);
                return running;
            } catch (SQLException ex) {
                ServerErrors.Kind kind = ServerErrors.classify(ex);
                if (kind == ServerErrors.Kind.CONNECTION_LOST) {
                    throw ex;
                }
                LOG.debug("'{}' not available: {}", sql, ex.getMessage());
                if (kind == ServerErrors.Kind.MISSING_PRIVILEGE) {
                    // access denied: the other forms need the same privilege
                    break;
                }
            }
        }
        prober.replicationStatus(server, NodeProber.NOT_READABLE);
        return null;
    }

    private String address(Endpoint e) {
        int port = port(e);
        return e.address().endsWith(":0") ? e.host() + ":" + port : e.address();
    }

    private Physical tryPrimary(Endpoint e, List<String> failures, boolean verify) throws SQLException {
        int port = port(e);
        String address = address(e);
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
            if (!ServerErrors.worthAnotherServer(ex)) {
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
        prober.remember(service, all);
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
                    LOG.debug("refreshing '{}' failed: {}", service, describe(t));
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("refreshing '{}' failed: {}", service, describe(e));
        }
    }

    /** Starts watching a name without waiting for it, so that the first use does not block. */
    void warmUp(String service) {
        try {
            discovery.resolveAsync(service);
        } catch (RuntimeException e) {
            LOG.debug("resolving '{}' failed: {}", service, describe(e));
        }
    }

    Endpoints resolve(String service) throws SQLException {
        String token = url.discoveryKey().token();
        try {
            return discovery.resolve(service);
        } catch (IllegalArgumentException e) {
            throw new SQLException("'" + service + "' is not a valid Consul name: " + Secrets.redact(e.getMessage(), token),
                    "08001", Secrets.redact(e, token));
        } catch (DiscoveryException e) {
            throw new SQLException("Consul (agents " + url.discoveryKey().agents() + ") did not resolve '" + service
                    + "': " + Secrets.redact(e.getMessage(), token), "08001", Secrets.redact(e, token));
        }
    }

    /** An exception of discovery for a log line: discovery may quote the token, masked here. */
    private String describe(Throwable t) {
        return Secrets.redact(String.valueOf(t), url.discoveryKey().token());
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
