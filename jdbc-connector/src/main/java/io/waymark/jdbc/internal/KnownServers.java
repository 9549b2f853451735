package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.ServiceQuery;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the servers known besides Consul's current answer for the primary whether they are
 * writable ({@code consul.probeKnownNodes}): the instances Consul gives for
 * {@code consul.readService} (a promoted replica stays listed there until Consul runs its check
 * again), every instance seen before for either name (the demoted or restarted primary included),
 * and every instance registered under either name whatever its health (a role-checked replica is
 * registered under the primary's name too, failing that check). Probes run in parallel on the
 * shared {@link NodeProber} pool; a server answering {@code @@read_only = 0} whose replication
 * threads run is not writable here (a replica someone made writable).
 *
 * <p><b>Threading:</b> thread-safe, like the {@link Connector} that owns it.
 */
final class KnownServers {

    private static final Logger LOG = LoggerFactory.getLogger(KnownServers.class);

    /** Connect and read timeout of a probe, and how long a round waits for the probes' answers. */
    static final int PROBE_TIMEOUT_MILLIS = 1000;
    private static final long MIN_PROBE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ConsulUrl url;
    private final ConsulDiscovery discovery;
    private final Driver driver;
    private final NodeProber prober;
    private final JdbcCounters counters;

    /** Probes for {@code owner}: its URL, discovery client, delegate driver and shared prober. */
    KnownServers(Connector owner) {
        this.url = owner.url;
        this.discovery = owner.discovery;
        this.driver = owner.driver;
        this.prober = owner.prober;
        this.counters = owner.counters;
    }

    /**
     * Probes every known server but those in {@code tried} (this round's, asked already) and
     * returns those that answered writable, adding what each answered to {@code failures}. A
     * {@link NodeProber#silent silent} server is not waited for (nor probed twice at once): a frozen
     * host would hold every round for the whole probe timeout.
     *
     * @param notBefore the {@link System#nanoTime} this round started: older probe answers are not shared
     * @param waitNanos how long to wait for the answers at most (a server that does not answer is not writable)
     */
    List<Endpoint> writable(Collection<String> tried, long notBefore, long waitNanos, List<String> failures)
            throws SQLException {
        Map<String, Endpoint> nodes = candidates();
        nodes.keySet().removeAll(tried);
        if (nodes.isEmpty()) {
            return List.of();
        }
        Map<String, CompletableFuture<NodeProber.Probe>> probes = new LinkedHashMap<>();
        List<String> answers = new ArrayList<>();
        for (Map.Entry<String, Endpoint> n : nodes.entrySet()) {
            Endpoint e = n.getValue();
            String key = key(e.host(), port(e));
            if (prober.silent(key)) {
                probeOnce(e);
                answers.add(n.getKey() + " does not answer");
            } else {
                probes.put(n.getKey(), prober.probe(key, notBefore, () -> probe(e, key)));
            }
        }
        long until = System.nanoTime() + Math.max(MIN_PROBE_WAIT_NANOS, waitNanos);
        List<Endpoint> writable = new ArrayList<>();
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
        if (writable.isEmpty()) {
            failures.add("no other known server is writable: " + String.join(", ", answers));
        }
        return writable;
    }

    /**
     * Whether the server at {@code host:port} stopped answering (see {@link NodeProber#silent});
     * if so, makes sure one probe of it is running, so that the first answer it gives clears that.
     */
    boolean silent(String host, int port) {
        String key = key(host, port);
        if (!prober.silent(key)) {
            return false;
        }
        probeOnce(Endpoint.of(host, port));
        return true;
    }

    /** Asks the server at {@code host:port}, sharing a probe that started at or after {@code notBefore}. */
    CompletableFuture<NodeProber.Probe> probe(String host, int port, long notBefore) {
        String key = key(host, port);
        Endpoint e = Endpoint.of(host, port);
        return prober.probe(key, notBefore, () -> probe(e, key));
    }

    private void probeOnce(Endpoint e) {
        String key = key(e.host(), port(e));
        prober.probeOnce(key, () -> probe(e, key));
    }

    /** What identifies a probe: the server and the credentials used to ask it. */
    private String key(String host, int port) {
        return url.delegateUrl(host, port) + '\n' + url.delegateProperties().hashCode();
    }

    /** How long a round waits for the probes when nothing else bounds it. */
    static long defaultWaitNanos() {
        return TimeUnit.MILLISECONDS.toNanos(PROBE_TIMEOUT_MILLIS);
    }

    private Map<String, Endpoint> candidates() {
        Map<String, Endpoint> nodes = new LinkedHashMap<>();
        String readService = url.readService();
        if (readService != null) {
            try {
                List<Endpoint> replicas = discovery.resolve(readService).all();
                prober.remember(readService, replicas);
                replicas.forEach(e -> nodes.putIfAbsent(address(e), e));
            } catch (RuntimeException e) {
                LOG.debug("cannot resolve the read service '{}': {}", readService,
                        Secrets.redact(e.toString(), url.discoveryKey().token()));
            }
            prober.known(readService).forEach(e -> nodes.putIfAbsent(address(e), e));
        }
        prober.known(url.service()).forEach(e -> nodes.putIfAbsent(address(e), e));
        registered(url.service(), NodeProber.REGISTERED_WAIT_NANOS).forEach(e -> nodes.putIfAbsent(address(e), e));
        if (readService != null) {
            registered(readService, NodeProber.REGISTERED_WAIT_NANOS).forEach(e -> nodes.putIfAbsent(address(e), e));
        }
        return nodes;
    }

    /**
     * Every instance registered under {@code name} whatever its health, from discovery (one
     * client, one token, one set of caching and outage rules), waiting at most {@code waitNanos}
     * (0: only start the lookup, so that a failover later finds the name known). A prepared query
     * has none: its answers list healthy instances only, and discovery refuses to list it.
     */
    List<Endpoint> registered(String name, long waitNanos) {
        if (preparedQuery(name)) {
            return List.of();
        }
        return prober.registered(name, () -> {
            try {
                return discovery.registered(name).all();
            } catch (RuntimeException e) {
                LOG.debug("Consul did not list the instances registered under '{}': {}", name,
                        Secrets.redact(e.toString(), url.discoveryKey().token()));
                throw e;
            }
        }, waitNanos);
    }

    private static boolean preparedQuery(String name) {
        try {
            return ServiceQuery.parse(name).preparedQuery();
        } catch (IllegalArgumentException e) {
            // checked when the URL was parsed; discovery says the same below
            return false;
        }
    }

    /** Asks one server (on the probe pool) whether it could be the primary. Never throws. */
    private NodeProber.Probe probe(Endpoint e, String key) {
        counters.probes.increment();
        Properties props = url.delegateProperties();
        // both Connector/J and MariaDB Connector/J take these, in milliseconds
        props.setProperty("connectTimeout", String.valueOf(PROBE_TIMEOUT_MILLIS));
        props.setProperty("socketTimeout", String.valueOf(PROBE_TIMEOUT_MILLIS));
        Connection c = null;
        try {
            c = driver.connect(url.delegateUrl(e.host(), port(e)), props);
            if (c == null) {
                return new NodeProber.Probe(NodeProber.Probe.State.UNREACHABLE, "driver refused the URL");
            }
            ProbeSql.ReadOnly readOnly = ProbeSql.readOnly(c);
            if (readOnly.readOnly()) {
                prober.demoted(address(e));
                return new NodeProber.Probe(NodeProber.Probe.State.READ_ONLY, readOnly.superUsersWrite()
                        ? "super_read_only = 0: users with SUPER still write there" : null);
            }
            try (Statement s = c.createStatement()) {
                Boolean replicating = ProbeSql.replicating(s, prober, key);
                if (replicating == null) {
                    return new NodeProber.Probe(NodeProber.Probe.State.WRITABLE, "replication status not readable");
                }
                return new NodeProber.Probe(replicating ? NodeProber.Probe.State.REPLICATING
                        : NodeProber.Probe.State.WRITABLE, null);
            }
        } catch (SQLException | RuntimeException ex) {
            return new NodeProber.Probe(NodeProber.Probe.State.UNREACHABLE, Secrets.maskUrl(String.valueOf(ex.getMessage())));
        } finally {
            Connector.closeQuietly(c);
        }
    }

    /** {@code host:port}, with the URL's port for endpoints Consul gives without one. */
    String address(Endpoint e) {
        return e.address().endsWith(":0") ? e.host() + ":" + port(e) : e.address();
    }

    int port(Endpoint e) {
        return e.port() > 0 ? e.port() : url.defaultPort();
    }
}
