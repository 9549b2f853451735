package io.waymark.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches who owns the slots while a Redis Cluster shard is suspect (a command timed out, was
 * refused or could not be sent), and hands Lettuce the cluster's own view the moment a slot moved.
 *
 * <p>Lettuce routes by its view of the slots and refreshes it by asking every node; while a node
 * is frozen that refresh waits for it (the connect timeout), and meanwhile every write of the
 * shard goes to the frozen node and waits out its command timeout, even after the cluster promoted
 * the replica. Here each node is asked {@code CLUSTER NODES} on a connection of the watch's own,
 * every {@value #POLL_MILLIS} ms (one request per node at a time), and each answer is looked at as
 * it comes: a frozen node is simply not heard. When an answer gives a slot to another node than
 * Lettuce's view does, with a higher configuration epoch (as the cluster itself decides), it
 * becomes Lettuce's view at once,
 * without the nodes the cluster marked failed that serve no slot: Lettuce closes its connection to
 * such a node (its {@code closeStaleConnections}), failing the commands in flight there as outcome
 * unknown, and sends it nothing more until a later refresh finds it again as a replica. A woken
 * master that still believes it owns its slots is thereby fenced: no write reaches it after the
 * failover.
 *
 * <p><b>Threading:</b> polls run one at a time on the scheduler; {@link #suspect} may be called from
 * any thread (Lettuce's I/O threads included) and never blocks.
 */
final class SlotWatch {

    /** The cluster client's view of the slots, and the way to replace it. */
    interface Sink {
        /** Lettuce's view now. */
        Partitions current();

        /** Makes {@code view} Lettuce's view, in every connection. */
        void apply(List<RedisClusterNode> view);
    }

    private static final Logger LOG = LoggerFactory.getLogger(SlotWatch.class);
    static final long POLL_MILLIS = 100;
    static final long ANSWER_MILLIS = 300;
    /** How long polls go on after the last sign of trouble. */
    private static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final RedisClient client;
    private final Function<RedisURI, RedisURI> withSettings;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier ticker;
    private final Sink sink;
    private final String name;
    private final Map<String, CompletableFuture<StatefulRedisConnection<String, String>>> connections =
            new ConcurrentHashMap<>();
    /** The last CLUSTER NODES sent to each node. */
    private final Map<String, CompletableFuture<String>> asking = new ConcurrentHashMap<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private volatile long watchUntil;
    private volatile boolean closed;

    /**
     * @param client opens the watch's own connections
     * @param withSettings the URI of a node as the connector connects to it (password, TLS, timeout)
     */
    SlotWatch(RedisClient client, Function<RedisURI, RedisURI> withSettings, ScheduledExecutorService scheduler,
            LongSupplier ticker, Sink sink, String name) {
        this.client = client;
        this.withSettings = withSettings;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.sink = sink;
        this.name = name;
    }

    /** A sign of trouble: watch the slots for the next 30 s (starting now if not watching). */
    void suspect() {
        if (closed) {
            return;
        }
        watchUntil = ticker.getAsLong() + WATCH_NANOS;
        if (polling.compareAndSet(false, true)) {
            schedule(0);
        }
    }

    private void schedule(long delayMillis) {
        try {
            scheduler.schedule(this::poll, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            polling.set(false);
        }
    }

    private void poll() {
        if (closed || ticker.getAsLong() - watchUntil > 0) {
            polling.set(false);
            return;
        }
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (RedisClusterNode n : sink.current()) {
            RedisURI uri = n.getUri();
            if (uri != null) {
                // each answer is looked at as it comes: a frozen node's silence delays nothing
                answers.add(clusterNodes(uri).thenApplyAsync(text -> {
                    if (text != null && !closed) {
                        adoptIfMoved(text);
                    }
                    return text;
                }, scheduler).exceptionally(e -> {
                    LOG.debug("{}: slot watch failed: {}", name, e.toString());
                    return null;
                }));
            }
        }
        CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> schedule(POLL_MILLIS));
    }

    /**
     * {@code CLUSTER NODES} from the node at {@code uri}, or null if it did not answer in time. One request
     * per node at a time: a frozen node is not asked again while the last request waits.
     */
    private CompletableFuture<String> clusterNodes(RedisURI uri) {
        String key = uri.getHost() + ":" + uri.getPort();
        CompletableFuture<String> last = asking.get(key);
        if (last != null && !last.isDone()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<StatefulRedisConnection<String, String>> c = connections.get(key);
        if (c == null || c.isCompletedExceptionally() || c.isDone() && !c.join().isOpen()) {
            c = client.connectAsync(StringCodec.UTF8, withSettings.apply(uri)).toCompletableFuture();
            connections.put(key, c);
        }
        if (!c.isDone()) {
            // still connecting (a frozen node accepts the connection and says nothing): not heard this time
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<String> request = c.thenCompose(conn -> conn.async().clusterNodes().toCompletableFuture());
        asking.put(key, request);
        return request.copy().orTimeout(ANSWER_MILLIS, TimeUnit.MILLISECONDS).exceptionally(err -> null);
    }

    /**
     * Adopts the view a node answered if it moves a slot away from where Lettuce sends it and is at least
     * as recent (configuration epoch) as the view that gave the slot its current owner.
     */
    private void adoptIfMoved(String text) {
        Partitions fresh = ClusterPartitionParser.parse(text);
        Partitions current = sink.current();
        if (!movesASlot(current, fresh)) {
            return;
        }
        List<RedisClusterNode> view = new ArrayList<>();
        Set<String> fenced = new HashSet<>();
        for (RedisClusterNode n : fresh) {
            if (n.getSlots().isEmpty() && (n.is(RedisClusterNode.NodeFlag.FAIL)
                    || n.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL))) {
                fenced.add(n.getUri().getHost() + ":" + n.getUri().getPort());
                continue;
            }
            n.setUri(withSettings.apply(n.getUri()));
            view.add(n);
        }
        LOG.info("{}: the cluster moved slots; routing by its view now{}", name,
                fenced.isEmpty() ? "" : ", nothing more to " + fenced + " (failed: commands in flight there fail "
                        + "as outcome unknown)");
        sink.apply(view);
    }

    /**
     * Whether {@code fresh} gives some slot to another node than {@code current} does, with a configuration
     * epoch above the current owner's (a stale view, e.g. a woken master's own, never wins).
     */
    static boolean movesASlot(Partitions current, Partitions fresh) {
        // slot by slot through both views' slot caches: no list of slots is built
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
            RedisClusterNode n = fresh.getPartitionBySlot(slot);
            if (n == null || !n.is(RedisClusterNode.NodeFlag.UPSTREAM) || n.is(RedisClusterNode.NodeFlag.FAIL)) {
                continue;
            }
            RedisClusterNode owner = current.getPartitionBySlot(slot);
            if (owner == null || !n.getNodeId().equals(owner.getNodeId())
                    && n.getConfigEpoch() > owner.getConfigEpoch()) {
                return true;
            }
        }
        return false;
    }

    /** Stops polling and closes the watch's connections. */
    CompletableFuture<Void> close() {
        closed = true;
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (CompletableFuture<StatefulRedisConnection<String, String>> c : connections.values()) {
            closing.add(c.handle((conn, e) -> conn).thenCompose(conn -> conn == null
                    ? CompletableFuture.completedFuture(null) : conn.closeAsync()));
        }
        connections.clear();
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }
}
