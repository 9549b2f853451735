package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryException;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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
    /**
     * How long a failover round waits for the known servers' answers when Consul already gave a
     * writable one and they are asked only to rule out a second (a dead server is no primary).
     */
    private static final long CROSS_CHECK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final AtomicInteger REPLICA_ROTATION = new AtomicInteger();

    final ConsulUrl url;
    final ConsulDiscovery discovery;
    final Driver driver;
    final NodeProber prober;
    final JdbcCounters counters;
    private final KnownServers known;

    Connector(ConsulUrl url, ConsulDiscovery discovery, Driver driver, NodeProber prober) {
        this.url = url;
        this.discovery = discovery;
        this.driver = driver;
        this.prober = prober;
        this.counters = JdbcCounters.of(url.service());
        this.known = new KnownServers(this);
    }

    ConsulUrl url() {
        return url;
    }

    KnownServers known() {
        return known;
    }

    /**
     * A connection to a writable primary. Tries every endpoint Consul lists; while none is
     * writable (mid-failover: the old primary demoted, the new one not yet passing its check)
     * probes the other known servers ({@code consul.probeKnownNodes}) and asks Consul again, with a
     * short backoff, until {@code consul.failoverTimeout}. More than one writable server is a split
     * brain: none is handed out until a round finds exactly one (see {@link #choose}).
     */
    Physical openPrimary() throws SQLException {
        return openPrimary(System.nanoTime() + url.failoverTimeout().toNanos(), false);
    }

    /**
     * Like {@link #openPrimary()}, until the given {@link System#nanoTime} deadline.
     *
     * @param replacing the caller replaces a primary that refused a write as read-only or broke:
     *     ask Consul again before the first round (the cached answer is wrong), verify
     *     {@code @@read_only = 0} even with {@code consul.roleCheck=false} (re-running a refused
     *     statement on a server that refuses it again helps nobody), and rule out a second writable
     *     server among the known ones
     */
    Physical openPrimary(long deadline, boolean replacing) throws SQLException {
        long backoff = MIN_BACKOFF_NANOS;
        long maxBackoff = url.probeKnownNodes() ? MAX_PROBE_BACKOFF_NANOS : MAX_BACKOFF_NANOS;
        boolean verify = url.roleCheck() || replacing;
        Endpoints endpoints = replacing ? refreshNow(url.service(), deadline) : resolve(url.service());
        while (true) {
            prober.remember(url.service(), endpoints.all());
            List<String> failures = new ArrayList<>();
            Set<String> tried = new LinkedHashSet<>();
            long roundStarted = System.nanoTime();
            List<Physical> writable = new ArrayList<>();
            for (Endpoint e : endpoints.all()) {
                String address = known.address(e);
                tried.add(address);
                if (known.silent(e.host(), known.port(e))) {
                    // connecting would hang until the driver's connect timeout: a probe tells when it answers again
                    failures.add(address + " does not answer (a probe has had no answer for over "
                            + TimeUnit.NANOSECONDS.toMillis(NodeProber.SILENT_NANOS) + " ms)");
                    continue;
                }
                Physical p = tryPrimary(e, failures, verify, deadline);
                if (p != null) {
                    writable.add(p);
                    if (!verify) {
                        // consul.roleCheck=false: Consul's first reachable answer, as is
                        return p;
                    }
                }
            }
            if (endpoints.isEmpty()) {
                failures.add("Consul lists no healthy instance" + (endpoints.stale() ? " (stale answer: Consul unreachable)" : ""));
            }
            Physical chosen = choose(writable, tried, roundStarted, replacing, failures, deadline);
            if (chosen != null) {
                counters.primaryAt(chosen.address());
                return chosen;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SQLException("no writable primary for '" + url.service() + "' (Consul agents: "
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
     * This round's primary, or null to try again: the one writable server among those Consul
     * lists and, with {@code consul.probeKnownNodes}, the known ones. The known servers are asked
     * when Consul gave none writable, when the caller replaces a failed primary, and while a split
     * brain is open; a Consul-listed writable server needs no other to be writable.
     *
     * <p>Several writable servers at once (a replica promoted before the old primary was
     * demoted, or someone set {@code read_only = 0} on the wrong server) are a split brain:
     * no primary is handed out, a warning is logged once per episode (and counted), and the
     * rounds go on, each asking every server again, until exactly one is writable or
     * {@code consul.failoverTimeout} runs out. Picking one instead (say, the highest GTID
     * position) would keep writing into the split: MariaDB GTID positions of servers written
     * independently do not say which one holds the writes that matter.
     */
    private Physical choose(List<Physical> writable, Set<String> tried, long roundStarted, boolean replacing,
            List<String> failures, long deadline) throws SQLException {
        String service = url.service();
        if (writable.size() > 1) {
            splitBrain(writable.stream().map(Physical::address).toList(), failures);
            writable.forEach(p -> closeQuietly(p.conn));
            return null;
        }
        if (!url.probeKnownNodes()) {
            if (writable.size() == 1) {
                prober.oneWritable(service);
                return writable.get(0);
            }
            return null;
        }
        if (writable.size() == 1) {
            Physical p = writable.get(0);
            // a primary whose connections were cut off may have woken up still writable, before anyone fenced it
            if (replacing || prober.inSplitBrain(service) || prober.abandoned(p.address())) {
                List<Endpoint> others = known.writable(tried, roundStarted, CROSS_CHECK_WAIT_NANOS, new ArrayList<>());
                if (!others.isEmpty()) {
                    List<String> all = new ArrayList<>(List.of(p.address()));
                    others.forEach(e -> all.add(known.address(e)));
                    splitBrain(all, failures);
                    closeQuietly(p.conn);
                    return null;
                }
            }
            prober.oneWritable(service);
            return p;
        }
        long wait = Math.min(Math.max(0, deadline - System.nanoTime()), KnownServers.defaultWaitNanos());
        List<Endpoint> found = known.writable(tried, roundStarted, wait, failures);
        if (found.size() > 1) {
            splitBrain(found.stream().map(known::address).toList(), failures);
            return null;
        }
        if (found.isEmpty()) {
            return null;
        }
        Endpoint chosen = found.get(0);
        // fencing: that server's own answer, on the connection handed out, is the proof
        Physical p = tryPrimary(chosen, failures, true, deadline);
        if (p != null) {
            prober.oneWritable(service);
            LOG.info("'{}': {} answered @@read_only = 0 and is the only writable server known; using it as the"
                    + " primary before Consul lists it", service, known.address(chosen));
        }
        return p;
    }

    private void splitBrain(List<String> writable, List<String> failures) {
        String service = url.service();
        failures.add("servers " + writable + " all answer @@read_only = 0 (split brain): no primary is handed out"
                + " until only one is writable");
        if (prober.splitBrain(service)) {
            counters.splitBrains.increment();
            LOG.warn("'{}': servers {} all answer @@read_only = 0 (split brain #{} of this service): no primary is"
                    + " handed out until only one is writable (consul.failoverTimeout {} ms per caller)", service,
                    writable, prober.splitBrains(service), url.failoverTimeout().toMillis());
        } else {
            LOG.debug("'{}': split brain still open: {}", service, writable);
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
            sleep(nanos, "looking for a writable primary", "08001");
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

    private Physical tryPrimary(Endpoint e, List<String> failures, boolean verify, long deadline) throws SQLException {
        int port = known.port(e);
        String address = known.address(e);
        Connection c = null;
        try {
            DelegateConnections.Opened opened = DelegateConnections.open(driver, url, e.host(), port,
                    TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            c = opened.conn();
            ProbeSql.ReadOnly readOnly = verify ? ProbeSql.readOnly(c) : null;
            if (readOnly != null && readOnly.readOnly()) {
                failures.add(address + " is read-only (@@read_only = 1" + (readOnly.superUsersWrite()
                        ? ", but super_read_only = 0: users with SUPER still write there)" : ")"));
                prober.demoted(address);
                closeQuietly(c);
                refresh(url.service());
                return null;
            }
            DelegateConnections.settle(opened);
            return new Physical(opened, e.host(), port, Physical.Role.PRIMARY);
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
            int port = known.port(e);
            Connection c = null;
            try {
                DelegateConnections.Opened opened = DelegateConnections.open(driver, url, e.host(), port,
                        DelegateConnections.MAX_OPEN_MILLIS);
                c = opened.conn();
                DelegateConnections.settle(opened);
                return new Physical(opened, e.host(), port, Physical.Role.REPLICA);
            } catch (SQLException ex) {
                closeQuietly(c);
                LOG.debug("replica {} of '{}' refused a connection: {}", e, service, Secrets.maskUrl(ex.getMessage()));
                refresh(service);
            }
        }
        return null;
    }

    /** Whether the server is still listed as healthy for its role; true when Consul's answer is unknown. */
    boolean isHealthy(Physical p) {
        List<Endpoint> listed = listedOrNull(serviceOf(p));
        return listed == null || isListed(p, listed);
    }

    /**
     * Whether Consul lists a primary and {@code p} (a primary connection's server) is not among
     * them: another server was promoted. An empty answer (the gap of a switchover) or a failed
     * lookup says nothing, so it is not counted as a demotion.
     */
    boolean listsAnotherPrimary(Physical p) {
        List<Endpoint> listed = listedOrNull(url.service());
        return listed != null && !listed.isEmpty() && !isListed(p, listed);
    }

    /** What Consul lists for {@code service} now (cached), or null when the lookup failed. */
    private List<Endpoint> listedOrNull(String service) {
        try {
            return discovery.resolve(service).all();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean isListed(Physical p, List<Endpoint> listed) {
        for (Endpoint e : listed) {
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

    /**
     * Starts what a later use would otherwise wait for, without waiting: the watch of the read
     * service, and (with {@code consul.probeKnownNodes}) discovery's lists of the instances
     * registered under both names, so that a failover finds them in memory.
     */
    void warmUp() {
        String readService = url.readService();
        if (readService != null) {
            try {
                discovery.resolveAsync(readService);
            } catch (RuntimeException e) {
                LOG.debug("resolving '{}' failed: {}", readService, describe(e));
            }
        }
        if (url.probeKnownNodes()) {
            known.registered(url.service(), 0);
            if (readService != null) {
                known.registered(readService, 0);
            }
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
            throw new SQLException("Consul (agents: " + url.discoveryKey().agents() + ") did not resolve '" + service
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

    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                LOG.trace("closing a delegate connection failed", e);
            }
        }
    }

    /** Sleeps {@code nanos} (not at all unless positive); an interrupt ends it, saying what was {@code doing}. */
    static void sleep(long nanos, String doing, String sqlState) throws SQLException {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while " + doing, sqlState, e);
        }
    }
}
