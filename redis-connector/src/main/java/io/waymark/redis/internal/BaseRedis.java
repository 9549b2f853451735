package io.waymark.redis.internal;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredPubSub;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import java.lang.reflect.InvocationHandler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What both modes share: the three command interfaces (proxies over the mode's routing), the
 * retry policy and its counters in the stats, and the order of {@link #close()}: the mode's
 * connections first, then the threads and resources, then the discovery client if owned.
 *
 * <p><b>Threading:</b> thread-safe.
 */
abstract class BaseRedis<K, V> implements DiscoveredRedis<K, V> {

    final RedisSettings<K, V> settings;
    final Connectors.Resources resources;
    final RetryPolicy policy;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<DiscoveredPubSub<K, V>> pubSubs = ConcurrentHashMap.newKeySet();
    // set once by the mode's constructor (its handlers need what it builds first), read by any thread after
    private volatile RedisClusterAsyncCommands<K, V> async;
    private volatile RedisClusterCommands<K, V> sync;
    private volatile RedisClusterReactiveCommands<K, V> reactive;

    BaseRedis(RedisSettings<K, V> settings, Connectors.Resources resources) {
        this.settings = settings;
        this.resources = resources;
        this.policy = new RetryPolicy(settings);
    }

    /** The handlers behind the three interfaces; called once by the mode's constructor. */
    final void commands(InvocationHandler asyncHandler, InvocationHandler syncHandler,
            InvocationHandler reactiveHandler) {
        this.async = Proxies.of(RedisClusterAsyncCommands.class, asyncHandler);
        this.sync = Proxies.of(RedisClusterCommands.class, syncHandler);
        this.reactive = Proxies.of(RedisClusterReactiveCommands.class, reactiveHandler);
    }

    @Override
    public final RedisClusterCommands<K, V> sync() {
        return sync;
    }

    @Override
    public final RedisClusterAsyncCommands<K, V> async() {
        return async;
    }

    @Override
    public final RedisClusterReactiveCommands<K, V> reactive() {
        return reactive;
    }

    /** The mode's view, with the counters of the retry policy. */
    final RedisStats stats(TopologyMode mode, List<String> masters, List<String> replicas, long failoversSeen,
            long twoMastersEpisodes, Duration timeWithoutWritableMaster) {
        return new RedisStats(mode, masters, replicas, failoversSeen, policy.retries(), policy.outcomeUnknown(),
                twoMastersEpisodes, timeWithoutWritableMaster);
    }

    @Override
    public final DiscoveredPubSub<K, V> pubSub() {
        if (isClosed()) {
            throw new IllegalStateException("DiscoveredRedis is closed");
        }
        DiscoveredPubSub<K, V> p = new PubSubFollower<>(settings, resources, this::stats, pubSubs::remove);
        pubSubs.add(p);
        return p;
    }

    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            // they use the resources closed below
            List.copyOf(pubSubs).forEach(DiscoveredPubSub::close);
            closeConnections();
        } finally {
            resources.close();
            if (settings.ownsDiscovery()) {
                settings.discovery().close();
            }
        }
    }

    /** Closes the mode's watches, connections and clients; called once. */
    abstract void closeConnections();

    boolean isClosed() {
        return closed.get();
    }
}
