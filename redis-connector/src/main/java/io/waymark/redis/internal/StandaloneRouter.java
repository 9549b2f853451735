package io.waymark.redis.internal;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandType;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology of a standalone replication group: which node is the fenced master,
 * which replicas take reads.
 *
 * <p>Consul's answers only nominate candidates. A node becomes master for writes after
 * it answered {@code ROLE} with master, and stops being it when it answers otherwise,
 * when its connection is down, when a write to it came back {@code READONLY}, or after
 * two probes in a row timed out (a frozen process).
 *
 * <p><b>Threading:</b> the topology is an immutable {@link Snapshot} in a volatile field;
 * routing reads it without locks. Reconciliations (Consul changed, the periodic health
 * check, evidence from a failed command) are coalesced and run one at a time; the
 * only lock guards the hand-over between them and is never held during I/O.
 */
final class StandaloneRouter<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneRouter.class);
    /** Nodes that left Consul stay probe candidates this long: a promoted replica may not be listed yet. */
    private static final long RETAIN_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long AWAIT_POLL_MILLIS = 50;
    /** How long the master stays listed for the choice after Consul dropped it (see {@link #stillListed}). */
    private static final long LISTING_FLAP_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * What routing sees: the fenced master (or null), the replicas that take reads, and
     * for every read policy its candidates, computed here once so that a read allocates nothing.
     */
    static final class Snapshot<K, V> {

        private final Node<K, V> master;
        private final List<Node<K, V>> replicas;
        private final ReadCandidates<K, V> masterOnly;
        private final ReadCandidates<K, V> masterPreferred;
        private final ReadCandidates<K, V> replicaOnly;
        private final ReadCandidates<K, V> replicaPreferred;
        private final ReadCandidates<K, V> any;

        Snapshot(Node<K, V> master, List<Node<K, V>> replicas) {
            this.master = master;
            this.replicas = List.copyOf(replicas);
            this.masterOnly = ReadCandidates.of(ReadPolicy.MASTER, master, this.replicas);
            this.masterPreferred = ReadCandidates.of(ReadPolicy.MASTER_PREFERRED, master, this.replicas);
            this.replicaOnly = ReadCandidates.of(ReadPolicy.REPLICA, master, this.replicas);
            this.replicaPreferred = ReadCandidates.of(ReadPolicy.REPLICA_PREFERRED, master, this.replicas);
            this.any = ReadCandidates.of(ReadPolicy.ANY, master, this.replicas);
        }

        Node<K, V> master() {
            return master;
        }

        List<Node<K, V>> replicas() {
            return replicas;
        }

        /** The candidates of {@code policy} (one of ReadPolicy's constants, the only instances there are). */
        ReadCandidates<K, V> readCandidates(ReadPolicy policy) {
            if (policy == ReadPolicy.MASTER) {
                return masterOnly;
            } else if (policy == ReadPolicy.REPLICA_PREFERRED) {
                return replicaPreferred;
            } else if (policy == ReadPolicy.REPLICA) {
                return replicaOnly;
            } else if (policy == ReadPolicy.MASTER_PREFERRED) {
                return masterPreferred;
            } else if (policy == ReadPolicy.ANY) {
                return any;
            }
            throw new IllegalArgumentException("unknown read policy: " + policy);
        }

        @Override
        public String toString() {
            return "Snapshot{master=" + master + ", replicas=" + replicas + "}";
        }
    }

    private final RedisSettings<K, V> settings;
    private final Function<String, Node<K, V>> nodeFactory;
    private final LongSupplier ticker;
    private final MasterChoice masterChoice;
    private final ScheduledExecutorService scheduler;
    private final ConsulDiscovery discovery;
    private final RedisMetrics metrics;
    private final Map<String, Node<K, V>> nodes = new ConcurrentHashMap<>();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong failovers = new AtomicLong();
    private final List<Watch> watches = new ArrayList<>();
    /** Callers waiting for a master: close() fails them rather than leave them hanging. */
    private final Set<CompletableFuture<Node<K, V>>> awaiting = ConcurrentHashMap.newKeySet();
    /** Nodes that left, until their delayed close ran: close() must not leak them. */
    private final Set<Node<K, V>> retiring = ConcurrentHashMap.newKeySet();

    private volatile Snapshot<K, V> snapshot = new Snapshot<>(null, List.of());
    private volatile Endpoints writeEndpoints;
    private volatile Endpoints readEndpoints;
    private volatile boolean closed;
    private volatile long noMasterSince;
    private final AtomicLong noMasterTotalNanos = new AtomicLong();

    private final Object reconcileLock = new Object();
    /** Guards publishing a snapshot; held for no I/O. */
    private final Object publishLock = new Object();
    private CompletableFuture<Snapshot<K, V>> running;
    private CompletableFuture<Snapshot<K, V>> next;
    private boolean nextRefresh;
    private ScheduledFuture<?> healthCheck;
    /** The last non-null master, to count failovers across a gap without master. */
    private Node<K, V> lastMaster;

    /** @param nodeFactory makes the node of a {@code host:port} address (its connection is opened on first probe) */
    StandaloneRouter(RedisSettings<K, V> settings, Function<String, Node<K, V>> nodeFactory,
            ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.nodeFactory = nodeFactory;
        this.scheduler = scheduler;
        this.ticker = settings.ticker();
        this.discovery = settings.discovery();
        this.metrics = settings.metrics();
        this.masterChoice = new MasterChoice(settings.writeService());
        this.noMasterSince = ticker.getAsLong();
    }

    /** Subscribes to Consul and starts the health check; returns once the first reconciliation is done. */
    void start() {
        writeEndpoints = discovery.resolve(settings.writeService());
        if (settings.readService() != null) {
            readEndpoints = discovery.resolve(settings.readService());
        }
        watches.add(discovery.watch(settings.writeService(), e -> {
            writeEndpoints = e;
            requestReconcile(false);
        }));
        if (settings.readService() != null) {
            watches.add(discovery.watch(settings.readService(), e -> {
                readEndpoints = e;
                requestReconcile(false);
            }));
        }
        long interval = settings.healthCheckInterval().toMillis();
        healthCheck = scheduler.scheduleWithFixedDelay(() -> requestReconcile(false), interval, interval,
                TimeUnit.MILLISECONDS);
        try {
            requestReconcile(false).get(settings.connectTimeout().toMillis() + 2 * settings.probeTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // not fatal: writes wait for a master within the failover budget, the health check goes on
            LOG.warn("first look at {} did not complete: {}", settings.writeService(), e.toString());
        }
    }

    Snapshot<K, V> snapshot() {
        return snapshot;
    }

    /** The fenced master if its connection is up right now. */
    Node<K, V> usableMaster() {
        Node<K, V> m = snapshot.master();
        return m != null && m.usable() ? m : null;
    }

    /**
     * Completes with a usable fenced master as soon as there is one, asking Consul and
     * probing the nodes meanwhile; fails when {@code deadlineNanos} passes first.
     */
    CompletableFuture<Node<K, V>> awaitMaster(long deadlineNanos) {
        Node<K, V> m = usableMaster();
        if (m != null) {
            return CompletableFuture.completedFuture(m);
        }
        CompletableFuture<Node<K, V>> out = new CompletableFuture<>();
        awaiting.add(out);
        out.whenComplete((n, e) -> awaiting.remove(out));
        if (closed) {
            // close() may have missed it: it must not hang
            out.completeExceptionally(new RedisConnectionException("DiscoveredRedis is closed"));
        }
        tryAwait(out, deadlineNanos);
        return out;
    }

    private void tryAwait(CompletableFuture<Node<K, V>> out, long deadlineNanos) {
        if (out.isDone()) {
            return;
        }
        Node<K, V> m = usableMaster();
        if (m != null) {
            out.complete(m);
            return;
        }
        long remaining = deadlineNanos - ticker.getAsLong();
        if (remaining <= 0 || closed) {
            out.completeExceptionally(new RedisConnectionException(closed ? "DiscoveredRedis is closed"
                    : "no writable master for " + settings.writeService() + " within the failover budget of "
                            + settings.failoverBudget().toMillis() + " ms"));
            return;
        }
        requestReconcile(true).whenComplete((s, e) -> {
            Node<K, V> now = usableMaster();
            if (now != null) {
                out.complete(now);
            } else if (closed) {
                tryAwait(out, deadlineNanos);
            } else {
                long wait = Math.min(AWAIT_POLL_MILLIS, Math.max(1, (deadlineNanos - ticker.getAsLong()) / 1_000_000));
                try {
                    scheduler.schedule(() -> tryAwait(out, deadlineNanos), wait, TimeUnit.MILLISECONDS);
                } catch (RuntimeException rejected) {
                    out.completeExceptionally(new RedisConnectionException("DiscoveredRedis is closed"));
                }
            }
        });
    }

    /**
     * A command to {@code node} proved it is not a master (READONLY, MOVED) or that it is
     * unreachable: stop writing to it now and look again at once, Consul included.
     */
    void masterFailed(Node<K, V> node, String reason) {
        boolean wasMaster;
        synchronized (publishLock) {
            node.demotedAt = ticker.getAsLong();
            Snapshot<K, V> s = snapshot;
            wasMaster = s.master() == node;
            if (wasMaster) {
                publish(new Snapshot<>(null, s.replicas()));
            }
        }
        if (wasMaster) {
            LOG.info("master {} failed ({}): looking for the new master", node.address(), reason);
        }
        requestReconcile(true);
    }

    /** A command timed out or a connection dropped: look again, without taking the node out yet. */
    void nodeSuspect() {
        requestReconcile(true);
    }

    /** The turn of the next read over {@code candidates}: spreads reads over the nodes that take turns. */
    int nextTurn(ReadCandidates<K, V> candidates) {
        // no shared counter to bump when there is nothing to rotate (MASTER, one replica)
        return candidates.rotates() ? roundRobin.getAndIncrement() : 0;
    }

    /** Episodes of several nodes answering master at once (see {@link MasterChoice}). */
    long twoMastersEpisodes() {
        return masterChoice.episodes();
    }

    long failoversSeen() {
        return failovers.get();
    }

    Duration timeWithoutMaster() {
        long since = noMasterSince;
        long total = noMasterTotalNanos.get() + (since != 0 ? ticker.getAsLong() - since : 0);
        return Duration.ofNanos(total);
    }

    // ---------------------------------------------------------------- reconciliation

    /** Runs a reconciliation that starts after this call; concurrent requests share one. */
    CompletableFuture<Snapshot<K, V>> requestReconcile(boolean refreshConsul) {
        CompletableFuture<Snapshot<K, V>> start;
        boolean refresh;
        synchronized (reconcileLock) {
            if (closed) {
                return CompletableFuture.completedFuture(snapshot);
            }
            if (running != null) {
                if (next == null) {
                    next = new CompletableFuture<>();
                }
                nextRefresh |= refreshConsul;
                return next;
            }
            running = new CompletableFuture<>();
            start = running;
            refresh = refreshConsul;
        }
        launch(start, refresh);
        return start;
    }

    private void launch(CompletableFuture<Snapshot<K, V>> target, boolean refresh) {
        try {
            scheduler.execute(() -> reconcile(refresh).whenComplete((s, e) -> finish(target, s, e)));
        } catch (RuntimeException rejected) {
            finish(target, snapshot, null);
        }
    }

    private void finish(CompletableFuture<Snapshot<K, V>> done, Snapshot<K, V> s, Throwable e) {
        if (e != null) {
            LOG.warn("topology check of {} failed: {}", settings.writeService(), e.toString());
        }
        CompletableFuture<Snapshot<K, V>> following;
        boolean refresh;
        synchronized (reconcileLock) {
            following = next;
            refresh = nextRefresh;
            next = null;
            nextRefresh = false;
            running = following;
        }
        done.complete(snapshot);
        if (following != null) {
            launch(following, refresh);
        }
    }

    private CompletableFuture<Snapshot<K, V>> reconcile(boolean refreshConsul) {
        if (closed) {
            return CompletableFuture.completedFuture(snapshot);
        }
        CompletableFuture<Endpoints> w = endpoints(settings.writeService(), writeEndpoints, refreshConsul);
        CompletableFuture<Endpoints> r = settings.readService() == null ? CompletableFuture.completedFuture(null)
                : endpoints(settings.readService(), readEndpoints, refreshConsul);
        return w.thenCombine(r, (we, re) -> new Endpoints[] {we, re})
                .thenComposeAsync(eps -> probeAll(eps[0], eps[1]), scheduler);
    }

    private CompletableFuture<Endpoints> endpoints(String name, Endpoints cached, boolean refresh) {
        if (!refresh && cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<Endpoints> f = refresh ? discovery.refresh(name) : discovery.resolveAsync(name);
        return f.orTimeout(settings.probeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((e, err) -> e != null ? e : cached);
    }

    private CompletableFuture<Snapshot<K, V>> probeAll(Endpoints write, Endpoints read) {
        long started = ticker.getAsLong();
        Set<String> listedWrite = addresses(write);
        Set<String> listedRead = addresses(read);
        Set<String> candidates = new LinkedHashSet<>(listedWrite);
        candidates.addAll(listedRead);
        candidates.addAll(nodes.keySet());
        Map<Node<K, V>, CompletableFuture<Node.Role>> probes = new LinkedHashMap<>();
        for (String address : candidates) {
            Node<K, V> node = nodes.computeIfAbsent(address, nodeFactory);
            if (listedWrite.contains(address) || listedRead.contains(address)) {
                node.lastListed = started;
            }
            probes.put(node, probe(node));
        }
        return CompletableFuture.allOf(probes.values().toArray(new CompletableFuture<?>[0]))
                .handleAsync((v, e) -> decide(started, probes, listedWrite, listedRead), scheduler);
    }

    private Snapshot<K, V> decide(long started, Map<Node<K, V>, CompletableFuture<Node.Role>> probes,
            Set<String> listedWrite, Set<String> listedRead) {
        if (closed) {
            return snapshot;
        }
        synchronized (publishLock) {
            return decideLocked(started, probes, listedWrite, listedRead);
        }
    }

    // under publishLock: a command's evidence (masterFailed) cannot slip between the check and the publish
    private Snapshot<K, V> decideLocked(long started, Map<Node<K, V>, CompletableFuture<Node.Role>> probes,
            Set<String> listedWrite, Set<String> listedRead) {
        Snapshot<K, V> current = snapshot;
        List<Node<K, V>> masters = new ArrayList<>();
        List<Node<K, V>> replicas = new ArrayList<>();
        for (Map.Entry<Node<K, V>, CompletableFuture<Node.Role>> e : probes.entrySet()) {
            Node<K, V> node = e.getKey();
            Node.Role role = e.getValue().join();
            if (role == Node.Role.MASTER && node.demotedAt - started > 0) {
                // a command failed on it after the probe was sent: the probe is old news
                role = Node.Role.UNKNOWN;
            }
            node.role = role;
            if (role == Node.Role.MASTER) {
                masters.add(node);
            } else if (role == Node.Role.REPLICA && listedRead.contains(node.address())) {
                replicas.add(node);
            }
        }
        // one timed-out probe is no proof: the master keeps its place through it (a busy host, or another
        // node answering master meanwhile), and loses it on the second in a row (a frozen process)
        Node<K, V> old = current.master();
        if (old != null && old.role == Node.Role.UNKNOWN && old.probeTimeouts == 1 && old.demotedAt - started <= 0
                && old.usable()) {
            masters.add(old);
        }
        Node<K, V> chosen = MasterChoice.choose(old, masters, stillListed(old, listedWrite, started));
        masterChoice.observe(masters, chosen, started);
        replicas.remove(chosen);
        Snapshot<K, V> next = new Snapshot<>(chosen, List.copyOf(replicas));
        if (!sameTopology(current, next)) {
            publish(next);
        }
        retire(started, listedWrite, listedRead, chosen);
        return snapshot;
    }

    /**
     * The write service's nodes, the current master included while Consul dropped it for less than
     * {@link #LISTING_FLAP_NANOS}: a health check that fails once under load must not hand the writes to
     * another node that answers master.
     */
    private Set<String> stillListed(Node<K, V> master, Set<String> listedWrite, long now) {
        if (master == null || listedWrite.contains(master.address()) || now - master.lastListed >= LISTING_FLAP_NANOS) {
            return listedWrite;
        }
        Set<String> out = new LinkedHashSet<>(listedWrite);
        out.add(master.address());
        return out;
    }

    private static boolean sameTopology(Snapshot<?, ?> a, Snapshot<?, ?> b) {
        return a.master() == b.master() && a.replicas().equals(b.replicas());
    }

    private void publish(Snapshot<K, V> next) {
        Snapshot<K, V> previous = snapshot;
        snapshot = next;
        Node<K, V> from = previous.master();
        Node<K, V> to = next.master();
        if (from != to) {
            long now = ticker.getAsLong();
            if (to == null) {
                noMasterSince = now;
            } else if (noMasterSince != 0) {
                long gap = now - noMasterSince;
                noMasterTotalNanos.addAndGet(gap);
                noMasterSince = 0;
                metrics.writableMasterRestored(Duration.ofNanos(gap));
            }
            if (to != null && lastMaster != null && lastMaster != to) {
                failovers.incrementAndGet();
            }
            if (to != null) {
                lastMaster = to;
            }
            if (from != null && from != to) {
                // pinned connections to the old master are useless now; a new pool comes with the next use
                scheduleClose(() -> {
                    if (snapshot.master() != from) {
                        from.closePool();
                    }
                });
            }
            LOG.info("{}: master {} -> {} (Consul lists {})", settings.writeService(),
                    from == null ? "none" : from.address(), to == null ? "none" : to.address(),
                    addresses(writeEndpoints));
            metrics.masterChanged(from == null ? null : from.address(), to == null ? null : to.address());
        }
        if (!previous.replicas().equals(next.replicas())) {
            LOG.debug("{}: replicas {}", settings.readService(), next.replicas());
        }
    }

    /** Forgets nodes that are neither listed nor useful; their connections close once in-flight commands are done. */
    private void retire(long now, Set<String> listedWrite, Set<String> listedRead, Node<K, V> master) {
        for (Node<K, V> node : new ArrayList<>(nodes.values())) {
            boolean listed = listedWrite.contains(node.address()) || listedRead.contains(node.address());
            // a node that answers master but is neither listed nor chosen goes too: only Consul brings it back
            boolean keep = listed || node == master || now - node.lastListed < RETAIN_NANOS;
            if (!keep && nodes.remove(node.address(), node)) {
                LOG.info("{} left: closing its connection", node.address());
                closeLater(node);
            }
        }
    }

    private void scheduleClose(Runnable close) {
        try {
            scheduler.schedule(close, settings.commandTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            close.run();
        }
    }

    private void closeLater(Node<K, V> node) {
        // commands already sent complete or time out within the command timeout
        long delay = settings.commandTimeout().toMillis() + 100;
        retiring.add(node);
        try {
            scheduler.schedule(() -> {
                if (retiring.remove(node)) {
                    node.closeAsync();
                }
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            retiring.remove(node);
            node.closeAsync();
        }
    }

    private CompletableFuture<Node.Role> probe(Node<K, V> node) {
        long timeout = settings.probeTimeout().toMillis();
        return node.connect()
                .thenCompose(StandaloneRouter::role)
                .orTimeout(timeout, TimeUnit.MILLISECONDS)
                .handle((reply, err) -> {
                    if (err != null) {
                        Throwable e = Failures.unwrap(err);
                        boolean timedOut = e instanceof TimeoutException || e instanceof RedisCommandTimeoutException;
                        node.probeTimeouts = timedOut ? node.probeTimeouts + 1 : 0;
                        return Node.Role.UNKNOWN;
                    }
                    node.probeTimeouts = 0;
                    String role = reply.isEmpty() ? "" : String.valueOf(reply.get(0));
                    if ("master".equals(role)) {
                        // ROLE of a master: "master", its replication offset, its replicas
                        node.offset = reply.size() > 1 && reply.get(1) instanceof Long ? (Long) reply.get(1) : 0;
                        return Node.Role.MASTER;
                    }
                    node.offset = 0;
                    return "slave".equals(role) || "replica".equals(role) ? Node.Role.REPLICA : Node.Role.UNKNOWN;
                });
    }

    /** ROLE decoded as Strings whatever the codec of the data connection. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static CompletableFuture<List<Object>> role(StatefulRedisConnection<?, ?> connection) {
        CommandOutput output = new ArrayOutput<>(StringCodec.UTF8);
        RedisFuture<List<Object>> f = ((StatefulRedisConnection) connection).async().dispatch(CommandType.ROLE, output);
        return f.toCompletableFuture();
    }

    private Set<String> addresses(Endpoints endpoints) {
        Set<String> out = new LinkedHashSet<>();
        if (endpoints != null) {
            for (Endpoint e : endpoints.all()) {
                int port = e.port() == 0 ? settings.defaultPort() : e.port();
                out.add(Endpoint.of(e.host(), port).address());
            }
        }
        return out;
    }

    /** Every node known now (for close and for stats). */
    List<Node<K, V>> nodes() {
        return List.copyOf(nodes.values());
    }

    /** Stops watching and probing, closes every connection and pool. */
    CompletableFuture<Void> close() {
        synchronized (reconcileLock) {
            closed = true;
        }
        if (healthCheck != null) {
            healthCheck.cancel(false);
        }
        for (CompletableFuture<Node<K, V>> f : List.copyOf(awaiting)) {
            f.completeExceptionally(new RedisConnectionException("DiscoveredRedis is closed"));
        }
        for (Watch w : watches) {
            w.close();
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        Set<Node<K, V>> all = new LinkedHashSet<>(nodes.values());
        all.addAll(retiring);
        retiring.clear();
        nodes.clear();
        for (Node<K, V> n : all) {
            closing.add(n.closeAsync().exceptionally(e -> null));
        }
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }
}
