package io.waymark.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Standalone replication: one fenced master, replicas for reads. */
final class StandaloneRedis<K, V> extends BaseRedis<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneRedis.class);

    private final RedisClient client;
    private final StandaloneRouter<K, V> router;

    StandaloneRedis(RedisSettings<K, V> settings, Connectors.Resources resources) {
        super(settings, resources);
        this.client = RedisClient.create(resources.clientResources());
        client.setOptions(Connectors.clientOptions(settings));
        this.router = new StandaloneRouter<>(settings, this::newNode, resources.scheduler());
        RoutingCore<K, V> core = new RoutingCore<>(router, settings, policy);
        commands(core.asyncHandler(), new SyncFacade(core), core.reactiveHandler());
        try {
            router.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Node<K, V> newNode(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(address.substring(colon + 1));
        return Node.of(address, Connectors.nodeUri(settings, host, port), client, settings.codec());
    }

    @Override
    public <T> T withWriteConnection(Function<RedisCommands<K, V>, T> action) {
        // both complete on their own: the master within the failover budget, the connection within the connect timeout
        Node<K, V> master = Await.get(router.awaitMaster(policy.deadline()), 0);
        PinnedPool<StatefulRedisConnection<K, V>> pool = master.pool(settings.poolMaxTotal(), settings.poolMaxIdle(),
                policy);
        return WriteSession.run(pool, Await.get(pool.acquire(), 0), policy, action);
    }

    @Override
    public RedisStats stats() {
        Topology<K, V> s = router.snapshot();
        List<String> masters = s.master() == null ? List.of() : List.of(s.master().address());
        List<String> replicas = s.replicas().stream().map(Node::address).toList();
        return stats(TopologyMode.STANDALONE, masters, replicas, router.failoversSeen(), router.twoMastersEpisodes(),
                router.timeWithoutMaster());
    }

    @Override
    void closeConnections() {
        try {
            // commands in flight get the command timeout to finish
            Await.get(router.close(), settings.commandTimeout().plusSeconds(2).toNanos());
        } catch (RuntimeException e) {
            LOG.warn("closing connections to {} did not finish: {}", settings.writeService(), e.toString());
        }
        // closes whatever connection is left (pools included)
        client.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "DiscoveredRedis{standalone, " + settings.writeService() + ", " + stats().masters() + "}";
    }
}
