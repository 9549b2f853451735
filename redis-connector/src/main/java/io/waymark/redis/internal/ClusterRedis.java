package io.waymark.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import io.waymark.redis.RedisMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Redis Cluster: the discovered masters seed Lettuce's cluster client, which routes by
 * slot, follows MOVED/ASK and refreshes its view of the cluster on its own triggers;
 * every change Consul reports triggers one more refresh.
 *
 * <p>What Lettuce surfaces instead of redirecting ({@code CLUSTERDOWN} while a failover
 * settles, {@code TRYAGAIN}, a command rejected while disconnected) is retried by
 * {@link ClusterRetry} after a topology refresh, within the failover budget. A timeout, a
 * refusal or a Consul change also arms the {@link SlotWatch}, which hands the client the
 * cluster's view as soon as a slot moved (a frozen or killed master replaced by its replica),
 * closing the connection to the failed master.
 */
final class ClusterRedis<K, V> extends BaseRedis<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterRedis.class);

    private final ViewClusterClient client;
    /** The slot watch's own connections: never Lettuce's cluster connections, which may wait on a frozen node. */
    private final RedisClient watchClient;
    private final SlotWatch watch;
    private final StatefulRedisClusterConnection<K, V> connection;
    private final List<Watch> watches = new ArrayList<>();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final RedisMetrics metrics;
    private final Disposable events;
    private final ClusterRetry retry;
    private final PinnedPool<StatefulRedisClusterConnection<?, ?>> pinned;

    ClusterRedis(RedisSettings<K, V> settings, Connectors.Resources resources) {
        super(settings, resources);
        this.metrics = settings.metrics();
        List<RedisURI> seeds = new ArrayList<>();
        addSeeds(seeds, settings.discovery().resolve(settings.writeService()));
        if (settings.readService() != null) {
            addSeeds(seeds, settings.discovery().resolve(settings.readService()));
        }
        if (seeds.isEmpty()) {
            throw new RedisConnectionException("Consul lists no node for " + settings.writeService()
                    + ": a cluster client needs at least one seed");
        }
        this.client = new ViewClusterClient(resources.clientResources(), seeds);
        client.setOptions(ClusterClientOptions.builder(Connectors.clientOptions(settings))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        // Lettuce reads only from replicas whose replication offset it saw above 0, and
                        // caches that per slot until the next refresh: keep refreshes frequent
                        .enablePeriodicRefresh(Duration.ofSeconds(10))
                        // every trigger, spelled so in both Lettuce lines (7 deprecates enableAllAdaptiveRefreshTriggers)
                        .enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.values())
                        .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                        .dynamicRefreshSources(true)
                        .closeStaleConnections(true)
                        .build())
                .build());
        this.events = resources.clientResources().eventBus().get()
                .filter(ClusterTopologyChangedEvent.class::isInstance)
                .cast(ClusterTopologyChangedEvent.class)
                .subscribe(e -> viewChanged(e.before(), e.after()));
        this.watchClient = RedisClient.create(resources.clientResources());
        watchClient.setOptions(Connectors.clientOptions(settings));
        this.watch = new SlotWatch(watchClient, uri -> Connectors.nodeUri(settings, uri.getHost(), uri.getPort()),
                resources.scheduler(), settings.ticker(), new SlotWatch.Sink() {
                    @Override
                    public Partitions current() {
                        return client.getPartitions();
                    }

                    @Override
                    public void apply(List<RedisClusterNode> view) {
                        List<RedisClusterNode> before = new ArrayList<>(client.getPartitions().getPartitions());
                        client.adopt(view);
                        viewChanged(before, view);
                    }
                }, settings.writeService());
        try {
            this.connection = client.connect(settings.codec());
            connection.setReadFrom(settings.readPolicy().toReadFrom());
            this.pinned = new PinnedPool<>(() -> client.connectAsync(settings.codec()).thenApply(c -> c),
                    settings.poolMaxTotal(), settings.poolMaxIdle(), policy, resources.scheduler());
            this.retry = new ClusterRetry(connection.async(), connection.reactive(), pinned, settings.codec(),
                    resources.scheduler(), policy, new ClusterRetry.Listener() {
                        @Override
                        public void retrying(String command, String reason) {
                            refreshTopology();
                            watch.suspect();
                        }

                        @Override
                        public void outcomeUnknown(String command) {
                            watch.suspect();
                        }
                    }, settings.writeService());
            commands(retry.asyncHandler(), new BlockingFacade(Proxies.of(RedisClusterAsyncCommands.class,
                    retry.asyncHandler()), settings.commandTimeout(), settings.failoverBudget()),
                    retry.reactiveHandler());
            watches.add(settings.discovery().watch(settings.writeService(), this::consulChanged));
            if (settings.readService() != null) {
                watches.add(settings.discovery().watch(settings.readService(), this::consulChanged));
            }
        } catch (RuntimeException e) {
            events.dispose();
            watch.close();
            watchClient.shutdown(0, 2, TimeUnit.SECONDS);
            client.shutdown(0, 2, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Lettuce's refresh or the slot watch changed the view: count a failover and tell the hook when masters did. */
    private void viewChanged(List<RedisClusterNode> before, List<RedisClusterNode> after) {
        Set<String> from = masters(before);
        Set<String> to = masters(after);
        if (!from.equals(to) && !before.isEmpty()) {
            failovers.incrementAndGet();
            LOG.info("cluster masters changed: {} -> {}", from, to);
            mastersChanged(from, to);
        }
    }

    private void consulChanged(Endpoints endpoints) {
        if (isClosed()) {
            return;
        }
        watch.suspect();
        client.refreshPartitionsAsync().whenComplete((v, e) -> {
            if (e != null) {
                LOG.debug("topology refresh after a Consul change failed: {}", e.toString());
            }
        });
    }

    /**
     * One refresh at a time: a CLUSTERDOWN burst from many writers needs one new view of the
     * slots, not one per command. Consul is asked too, so that a new master it lists seeds
     * the next refresh.
     */
    private void refreshTopology() {
        if (isClosed() || !refreshing.compareAndSet(false, true)) {
            return;
        }
        try {
            client.refreshPartitionsAsync().whenComplete((v, e) -> {
                refreshing.set(false);
                if (e != null) {
                    LOG.debug("topology refresh after a refused command failed: {}", e.toString());
                }
            });
        } catch (RuntimeException e) {
            refreshing.set(false);
            LOG.debug("topology refresh after a refused command failed: {}", e.toString());
        }
        try {
            settings.discovery().refresh(settings.writeService()).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.debug("Consul refresh of {} failed: {}", settings.writeService(), e.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("Consul refresh of {} failed: {}", settings.writeService(), e.toString());
        }
    }

    /** A failover swaps one master for another: pair them up for the hook, sorted so the pairing is stable. */
    private void mastersChanged(Set<String> before, Set<String> after) {
        Set<String> gone = new TreeSet<>(before);
        gone.removeAll(after);
        Set<String> came = new TreeSet<>(after);
        came.removeAll(before);
        Iterator<String> from = gone.iterator();
        Iterator<String> to = came.iterator();
        while (from.hasNext() || to.hasNext()) {
            metrics.masterChanged(from.hasNext() ? from.next() : null, to.hasNext() ? to.next() : null);
        }
    }

    private void addSeeds(List<RedisURI> seeds, Endpoints endpoints) {
        for (Endpoint e : endpoints.all()) {
            int port = e.port() == 0 ? settings.defaultPort() : e.port();
            seeds.add(Connectors.nodeUri(settings, e.host(), port));
        }
    }

    /** Masters that serve slots: a failover moves slots, a transitional view may show an extra master without. */
    private static Set<String> masters(List<RedisClusterNode> nodes) {
        Set<String> out = new TreeSet<>();
        for (RedisClusterNode n : nodes) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
                out.add(n.getUri().getHost() + ":" + n.getUri().getPort());
            }
        }
        return out;
    }

    @Override
    public <T> T withWriteConnection(Function<RedisCommands<K, V>, T> action) {
        throw new IllegalStateException("withWriteConnection is for standalone mode: in Redis Cluster a "
                + "transaction must stay in one slot; use the node connection of that slot's master instead");
    }

    @Override
    public RedisStats stats() {
        List<String> masters = new ArrayList<>();
        List<String> replicas = new ArrayList<>();
        for (RedisClusterNode n : client.getPartitions()) {
            String a = n.getUri().getHost() + ":" + n.getUri().getPort();
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
                masters.add(a);
            } else if (n.is(RedisClusterNode.NodeFlag.REPLICA)) {
                replicas.add(a);
            }
        }
        return stats(TopologyMode.CLUSTER, masters, replicas, failovers.get(), 0, Duration.ZERO);
    }

    @Override
    void closeConnections() {
        for (Watch w : watches) {
            w.close();
        }
        events.dispose();
        watch.close().orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
        watchClient.shutdown(0, 2, TimeUnit.SECONDS);
        retry.close();
        pinned.closeAsync().orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "DiscoveredRedis{cluster, " + settings.writeService() + "}";
    }
}
