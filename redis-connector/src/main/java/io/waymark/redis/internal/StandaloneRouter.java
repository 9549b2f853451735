package io.waymark.redis.internal;

import io.lettuce.core.RedisConnectionException;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import io.waymark.redis.RedisMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology of a standalone replication group: which node is the fenced master, which
 * replicas take reads.
 *
 * <p>Consul's answers only nominate candidates. A node becomes master for writes after
 * it answered {@code ROLE} with master ({@link MasterChoice} picks one when several do), and
 * stops being it when it answers otherwise, when its connection is down, when a write to it
 * came back {@code READONLY}, after two probes in a row timed out (a frozen process), or at
 * once when it is silent while another node answers master (promoted by an outside actor:
 * see {@link ProbeRound}). A master that lost its place while silent is fenced: its connection
 * is closed, failing the commands in flight there as outcome unknown, and it takes no write
 * back before it answered {@code ROLE} as a replica. While there is no master or the master is
 * suspect, checks repeat every {@value #FAST_ROUND_MILLIS} ms. The nodes themselves come and go in a {@link NodeSet}; the checks run in a
 * {@link ReconcileLoop}: on every Consul change, every health check interval, and on evidence
 * from a failed command.
 *
 * <p><b>Threading:</b> the topology is an immutable {@link Topology} in a volatile field;
 * routing reads it without locks. Checks run one at a time; the only other lock guards
 * publishing a topology against a command's evidence and is never held during I/O.
 */
final class StandaloneRouter<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneRouter.class);
    private static final long AWAIT_POLL_MILLIS = 50;
    /** How long the master stays listed for the choice after Consul dropped it (see {@link #stillListed}). */
    private static final long LISTING_FLAP_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How soon a check repeats while there is no master or the master is suspect. */
    static final long FAST_ROUND_MILLIS = 50;
    /** How long a round waits for a master that has not timed out yet while another node answers master. */
    static final long EARLY_DECISION_MILLIS = 300;
    /** Without a master, checks stay fast this long, then go back to the health check interval. */
    private static final long FAST_ROUNDS_FOR_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final RedisSettings<K, V> settings;
    private final LongSupplier ticker;
    private final ScheduledExecutorService scheduler;
    private final ConsulDiscovery discovery;
    private final RedisMetrics metrics;
    private final NodeSet<K, V> nodes;
    private final MasterChoice masterChoice;
    private final ReconcileLoop<Topology<K, V>> loop;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicBoolean fastRoundPending = new AtomicBoolean();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong noMasterTotalNanos = new AtomicLong();
    private final List<Watch> watches = new ArrayList<>();
    /** Callers waiting for a master: close() fails them rather than leave them hanging. */
    private final Set<CompletableFuture<Node<K, V>>> awaiting = ConcurrentHashMap.newKeySet();
    /** Guards publishing a topology; held for no I/O. */
    private final Object publishLock = new Object();

    private volatile Topology<K, V> topology = new Topology<>(null, List.of());
    private volatile Endpoints writeEndpoints;
    private volatile Endpoints readEndpoints;
    private volatile long noMasterSince;
    private ScheduledFuture<?> healthCheck;
    /** The last master, to count failovers across a time without one. */
    private Node<K, V> lastMaster;

    /** @param nodeFactory makes the node of a {@code host:port} address (its connection is opened on first probe) */
    StandaloneRouter(RedisSettings<K, V> settings, Function<String, Node<K, V>> nodeFactory,
            ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.ticker = settings.ticker();
        this.scheduler = scheduler;
        this.discovery = settings.discovery();
        this.metrics = settings.metrics();
        this.nodes = new NodeSet<>(nodeFactory, scheduler, settings.commandTimeout().toMillis() + 100);
        this.masterChoice = new MasterChoice(settings.writeService());
        this.loop = new ReconcileLoop<>(scheduler, this::reconcile, () -> topology,
                e -> LOG.warn("topology check of {} failed: {}", settings.writeService(), e.toString()));
        this.noMasterSince = ticker.getAsLong();
    }

    /** Subscribes to Consul and starts the health check; returns once the first reconciliation is done. */
    void start() {
        writeEndpoints = discovery.resolve(settings.writeService());
        watches.add(discovery.watch(settings.writeService(), e -> {
            writeEndpoints = e;
            loop.request(false);
        }));
        if (settings.readService() != null) {
            readEndpoints = discovery.resolve(settings.readService());
            watches.add(discovery.watch(settings.readService(), e -> {
                readEndpoints = e;
                loop.request(false);
            }));
        }
        long interval = settings.healthCheckInterval().toMillis();
        healthCheck = scheduler.scheduleWithFixedDelay(() -> loop.request(false), interval, interval,
                TimeUnit.MILLISECONDS);
        try {
            Await.get(loop.request(false).copy(), settings.connectTimeout().plus(settings.probeTimeout().multipliedBy(2))
                    .toNanos());
        } catch (RuntimeException e) {
            // not fatal: writes wait for a master within the failover budget, the health check goes on
            LOG.warn("first look at {} did not complete: {}", settings.writeService(), e.toString());
        }
    }

    Topology<K, V> snapshot() {
        return topology;
    }

    /** Runs a check that starts after this call; concurrent requests share one. */
    CompletableFuture<Topology<K, V>> requestReconcile(boolean refreshConsul) {
        return loop.request(refreshConsul);
    }

    /** The fenced master if its connection is up right now. */
    Node<K, V> usableMaster() {
        Node<K, V> m = topology.master();
        return m != null && m.usable() ? m : null;
    }

    /**
     * Completes with a usable fenced master as soon as there is one, asking Consul and
     * probing the nodes meanwhile; fails when {@code deadlineNanos} passes first.
     */
    @SuppressWarnings("CollectionUndefinedEquality") // awaiting holds these very futures: identity is what is meant
    CompletableFuture<Node<K, V>> awaitMaster(long deadlineNanos) {
        Node<K, V> m = usableMaster();
        if (m != null) {
            return CompletableFuture.completedFuture(m);
        }
        CompletableFuture<Node<K, V>> out = new CompletableFuture<>();
        awaiting.add(out);
        out.whenComplete((n, e) -> awaiting.remove(out));
        if (loop.stopped()) {
            // close() may have missed it: it must not hang
            out.completeExceptionally(closedException());
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
        if (loop.stopped()) {
            out.completeExceptionally(closedException());
            return;
        }
        if (deadlineNanos - ticker.getAsLong() <= 0) {
            out.completeExceptionally(new RedisConnectionException("no writable master for " + settings.writeService()
                    + " within the failover budget of " + settings.failoverBudget().toMillis() + " ms"));
            return;
        }
        loop.request(true).whenComplete((s, e) -> {
            Node<K, V> now = usableMaster();
            if (now != null) {
                out.complete(now);
                return;
            }
            long wait = Math.min(AWAIT_POLL_MILLIS, Math.max(1, (deadlineNanos - ticker.getAsLong()) / 1_000_000));
            try {
                scheduler.schedule(() -> tryAwait(out, deadlineNanos), wait, TimeUnit.MILLISECONDS);
            } catch (RuntimeException rejected) {
                out.completeExceptionally(closedException());
            }
        });
    }

    private static RedisConnectionException closedException() {
        return new RedisConnectionException("DiscoveredRedis is closed");
    }

    /**
     * A command to {@code node} proved it is not a master (READONLY, MOVED) or that it is
     * unreachable: stop writing to it now and look again at once, Consul included.
     */
    void masterFailed(Node<K, V> node, String reason) {
        boolean wasMaster;
        synchronized (publishLock) {
            node.demotedAt = ticker.getAsLong();
            Topology<K, V> t = topology;
            wasMaster = t.master() == node;
            if (wasMaster) {
                publish(new Topology<>(null, t.replicas()));
            }
        }
        if (wasMaster) {
            LOG.info("master {} failed ({}): looking for the new master", node.address(), reason);
        }
        loop.request(true);
    }

    /** A command timed out or a connection dropped: look again, without taking the node out yet. */
    void nodeSuspect() {
        loop.request(true);
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

    /** Every node known now. */
    List<Node<K, V>> nodes() {
        return nodes.all();
    }

    // ---------------------------------------------------------------- one check

    private CompletableFuture<Topology<K, V>> reconcile(boolean refreshConsul) {
        if (loop.stopped()) {
            return CompletableFuture.completedFuture(topology);
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

    /**
     * Probes every node Consul lists and every node still known (a promoted replica may not be listed yet),
     * and decides once every probe answered or timed out, or sooner when the master has not answered while
     * another node answers master (see {@link ProbeRound#decidable}).
     */
    private CompletableFuture<Topology<K, V>> probeAll(Endpoints write, Endpoints read) {
        long started = ticker.getAsLong();
        Set<String> listedWrite = addresses(write);
        Set<String> listedRead = addresses(read);
        Set<String> candidates = new LinkedHashSet<>(listedWrite);
        candidates.addAll(listedRead);
        candidates.addAll(nodes.addresses());
        Map<Node<K, V>, CompletableFuture<Node.Role>> probes = new LinkedHashMap<>();
        long timeout = settings.probeTimeout().toMillis();
        for (String address : candidates) {
            Node<K, V> node = nodes.get(address);
            if (listedWrite.contains(address) || listedRead.contains(address)) {
                node.lastListed = started;
            }
            probes.put(node, node.probe(timeout));
        }
        return ProbeRound.decidable(probes, topology.master(), EARLY_DECISION_MILLIS, scheduler).handleAsync((v, e) -> decide(started, probes, listedWrite, listedRead), scheduler);
    }

    private Topology<K, V> decide(long started, Map<Node<K, V>, CompletableFuture<Node.Role>> probes,
            Set<String> listedWrite, Set<String> listedRead) {
        if (loop.stopped()) {
            return topology;
        }
        // under the lock: a command's evidence (masterFailed) cannot slip between the check and the publish
        synchronized (publishLock) {
            Topology<K, V> current = topology;
            List<Node<K, V>> masters = new ArrayList<>();
            List<Node<K, V>> replicas = new ArrayList<>();
            Set<Node<K, V>> silent = new HashSet<>();
            for (Map.Entry<Node<K, V>, CompletableFuture<Node.Role>> e : probes.entrySet()) {
                Node<K, V> node = e.getKey();
                // a probe still out (decided early) is no answer
                Node.Role role = e.getValue().getNow(Node.Role.UNKNOWN);
                if (!e.getValue().isDone() || role == Node.Role.UNKNOWN && node.probeTimeouts > 0) {
                    silent.add(node);
                }
                if (role == Node.Role.MASTER && node.demotedAt - started > 0) {
                    // a command failed on it after the probe was sent: the probe is old news
                    role = Node.Role.UNKNOWN;
                }
                node.role = role;
                if (role == Node.Role.REPLICA) {
                    node.fenced = false;
                }
                if (role == Node.Role.MASTER) {
                    masters.add(node);
                } else if (role == Node.Role.REPLICA && listedRead.contains(node.address())) {
                    replicas.add(node);
                }
            }
            // a master replaced while silent takes nothing back before it was demoted (it woke from a freeze)
            if (masters.stream().anyMatch(n -> !n.fenced)) {
                masters.removeIf(n -> n.fenced);
            }
            // one timed-out probe is no proof: the master keeps its place through it (a busy host) unless another
            // node answers master (an outside actor promoted it), and loses it on the second in a row (frozen)
            Node<K, V> old = current.master();
            if (old != null && masters.isEmpty() && old.role == Node.Role.UNKNOWN && old.probeTimeouts == 1
                    && old.demotedAt - started <= 0 && old.usable()) {
                masters.add(old);
            }
            Node<K, V> chosen = MasterChoice.choose(old, masters, stillListed(old, listedWrite, started));
            masterChoice.observe(masters, chosen, started);
            replicas.remove(chosen);
            Topology<K, V> next = new Topology<>(chosen, replicas);
            if (!next.sameAs(current)) {
                publish(next);
                if (old != null && old != chosen && silent.contains(old)) {
                    fence(old);
                }
            }
            nodes.retire(started, listedWrite, listedRead, chosen);
            if (chosen == null || chosen.probeTimeouts > 0) {
                fastRound();
            }
            return topology;
        }
    }

    /**
     * A master that lost its place without answering: nothing more is sent to it, the commands in flight
     * there fail now as outcome unknown (they may still run if it wakes) rather than at their timeout, and
     * it takes no write back before it answered {@code ROLE} with replica.
     */
    private void fence(Node<K, V> node) {
        node.fenced = true;
        node.dropConnection();
        LOG.warn("{}: master {} stopped answering and lost its place: commands in flight there fail as outcome "
                + "unknown; it takes no write before it answers ROLE as a replica", settings.writeService(),
                node.address());
    }

    /**
     * While there is no master, or the master's last probe timed out, the next check comes after
     * {@link #FAST_ROUND_MILLIS} rather than the health check interval: a promotion is seen at once.
     */
    private void fastRound() {
        long since = noMasterSince;
        if (since != 0 && ticker.getAsLong() - since > FAST_ROUNDS_FOR_NANOS
                || !fastRoundPending.compareAndSet(false, true)) {
            return;
        }
        ProbeRound.later(scheduler, FAST_ROUND_MILLIS, () -> {
            fastRoundPending.set(false);
            loop.request(false);
        });
    }



    /**
     * The write service's nodes, the current master included while Consul dropped it for less than
     * {@link #LISTING_FLAP_NANOS}: a health check that fails once under load must not hand the writes to
     * another node that answers master.
     */
    private Set<String> stillListed(Node<K, V> master, Set<String> listedWrite, long now) {
        if (master == null || listedWrite.contains(master.address())
                || now - master.lastListed >= LISTING_FLAP_NANOS) {
            return listedWrite;
        }
        Set<String> out = new LinkedHashSet<>(listedWrite);
        out.add(master.address());
        return out;
    }

    /**
     * The one place a master changes: routing sees the new topology at once; the time without a
     * master, the failovers and the metrics hooks follow. Under {@link #publishLock}.
     */
    private void publish(Topology<K, V> next) {
        Topology<K, V> previous = topology;
        topology = next;
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
            if (from != null) {
                // pinned connections to the old master are useless now; a new pool comes with the next use
                nodes.later(() -> {
                    if (topology.master() != from) {
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

    /** Stops watching and probing, fails the callers waiting for a master, closes every connection and pool. */
    CompletableFuture<Void> close() {
        loop.stop();
        if (healthCheck != null) {
            healthCheck.cancel(false);
        }
        for (CompletableFuture<Node<K, V>> f : List.copyOf(awaiting)) {
            f.completeExceptionally(closedException());
        }
        for (Watch w : watches) {
            w.close();
        }
        return nodes.close();
    }
}
