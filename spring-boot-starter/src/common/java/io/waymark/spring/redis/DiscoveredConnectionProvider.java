package io.waymark.spring.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.waymark.redis.DiscoveredRedis;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionProvider;

/**
 * Hands Spring Data Redis connections over one {@link DiscoveredRedis} (one codec): the routed facade
 * for every shared or dedicated connection, a {@link io.waymark.redis.DiscoveredPubSub} facade for each
 * subscription. In cluster mode, Lettuce's own cluster connection (from the factory's default provider)
 * is opened on first use for what addresses single nodes.
 *
 * <p><b>Threading:</b> thread-safe.
 */
final class DiscoveredConnectionProvider implements LettuceConnectionProvider, DisposableBean {

    private final Supplier<DiscoveredRedis<?, ?>> source;
    private final Duration timeout;
    private final LettuceConnectionProvider nodesProvider;
    private volatile DiscoveredRedis<?, ?> redis;
    private volatile StatefulConnection<?, ?> routed;
    private volatile StatefulRedisClusterConnection<?, ?> nodes;

    /**
     * @param nodesProvider Lettuce's cluster connections for node addressing (cluster mode), or null
     */
    DiscoveredConnectionProvider(Supplier<DiscoveredRedis<?, ?>> source, LettuceConnectionProvider nodesProvider,
            Duration timeout) {
        this.source = source;
        this.timeout = timeout;
        this.nodesProvider = nodesProvider;
    }

    /** The routed facade, over the source's instance asked for on first use. */
    private StatefulConnection<?, ?> routed() {
        StatefulConnection<?, ?> r = routed;
        if (r == null) {
            synchronized (this) {
                r = routed;
                if (r == null) {
                    DiscoveredRedis<?, ?> d = source.get();
                    r = nodesProvider == null ? RoutedConnection.standalone(d, timeout)
                            : RoutedConnection.cluster(d, this::nodes, timeout);
                    redis = d;
                    routed = r;
                }
            }
        }
        return r;
    }

    private StatefulRedisClusterConnection<?, ?> nodes() {
        StatefulRedisClusterConnection<?, ?> n = nodes;
        if (n == null) {
            synchronized (this) {
                n = nodes;
                if (n == null) {
                    n = nodesProvider.getConnection(StatefulRedisClusterConnection.class);
                    nodes = n;
                }
            }
        }
        return n;
    }

    @Override
    public <T extends StatefulConnection<?, ?>> CompletionStage<T> getConnectionAsync(Class<T> connectionType) {
        try {
            return CompletableFuture.completedFuture(getConnection(connectionType));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public <T extends StatefulConnection<?, ?>> T getConnection(Class<T> connectionType) {
        StatefulConnection<?, ?> r = routed();
        if (StatefulRedisPubSubConnection.class.isAssignableFrom(connectionType)) {
            return connectionType.cast(PubSubConnection.of(redis.pubSub(), timeout));
        }
        if (!connectionType.isInstance(r)) {
            throw new UnsupportedOperationException("a DiscoveredRedis connection factory hands out no "
                    + connectionType.getSimpleName() + " (" + (nodesProvider == null ? "standalone" : "cluster")
                    + " mode; sentinel connections do not exist here)");
        }
        return connectionType.cast(r);
    }

    @Override
    public void destroy() throws Exception {
        StatefulRedisClusterConnection<?, ?> n = nodes;
        if (n != null) {
            nodesProvider.release(n);
        }
        if (nodesProvider instanceof DisposableBean d) {
            d.destroy();
        }
    }
}
