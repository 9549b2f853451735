package io.waymark.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Standalone replication: one fenced master, replicas for reads. */
final class StandaloneRedis<K, V> implements DiscoveredRedis<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneRedis.class);

    private final RedisSettings<K, V> settings;
    private final Connectors.Resources resources;
    private final RedisClient client;
    private final StandaloneRouter<K, V> router;
    private final RetryPolicy policy;
    private final RedisClusterAsyncCommands<K, V> async;
    private final RedisClusterCommands<K, V> sync;
    private final RedisClusterReactiveCommands<K, V> reactive;
    private final AtomicBoolean closed = new AtomicBoolean();

    @SuppressWarnings("unchecked")
    StandaloneRedis(RedisSettings<K, V> settings, Connectors.Resources resources) {
        this.settings = settings;
        this.resources = resources;
        this.client = RedisClient.create(resources.clientResources());
        client.setOptions(Connectors.clientOptions(settings));
        this.router = new StandaloneRouter<>(settings, this::newNode, resources.scheduler());
        this.policy = new RetryPolicy(settings);
        RoutingCore<K, V> core = new RoutingCore<>(router, settings, policy);
        ClassLoader cl = DiscoveredRedis.class.getClassLoader();
        this.async = (RedisClusterAsyncCommands<K, V>) Proxy.newProxyInstance(cl,
                new Class<?>[] {RedisClusterAsyncCommands.class}, core.asyncHandler());
        this.sync = (RedisClusterCommands<K, V>) Proxy.newProxyInstance(cl,
                new Class<?>[] {RedisClusterCommands.class},
                new SyncFacade(core));
        this.reactive = (RedisClusterReactiveCommands<K, V>) Proxy.newProxyInstance(cl,
                new Class<?>[] {RedisClusterReactiveCommands.class}, core.reactiveHandler());
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
    public RedisClusterCommands<K, V> sync() {
        return sync;
    }

    @Override
    public RedisClusterAsyncCommands<K, V> async() {
        return async;
    }

    @Override
    public RedisClusterReactiveCommands<K, V> reactive() {
        return reactive;
    }

    @Override
    public <T> T withWriteConnection(Function<RedisCommands<K, V>, T> action) {
        // both complete on their own: the master within the failover budget, the connection within the connect timeout
        Node<K, V> master = Await.get(router.awaitMaster(policy.deadline()), 0);
        PinnedPool<StatefulRedisConnection<K, V>> pool = master.pool(settings.poolMaxTotal(), settings.poolMaxIdle(), policy);
        return WriteSession.run(pool, Await.get(pool.acquire(), 0), policy, action);
    }

    @Override
    public RedisStats stats() {
        StandaloneRouter.Snapshot<K, V> s = router.snapshot();
        List<String> masters = s.master() == null ? List.of() : List.of(s.master().address());
        List<String> replicas = s.replicas().stream().map(Node::address).toList();
        return new RedisStats(TopologyMode.STANDALONE, masters, replicas, router.failoversSeen(), policy.retries(), policy.outcomeUnknown(), router.twoMastersEpisodes(),
                router.timeWithoutMaster());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            router.close().get(settings.commandTimeout().toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("closing connections to {} did not finish: {}", settings.writeService(), e.toString());
        }
        // closes whatever connection is left (pools included)
        client.shutdown(0, 2, TimeUnit.SECONDS);
        resources.close();
        if (settings.ownsDiscovery()) {
            settings.discovery().close();
        }
    }

    @Override
    public String toString() {
        return "DiscoveredRedis{standalone, " + settings.writeService() + ", " + stats().masters() + "}";
    }
}
