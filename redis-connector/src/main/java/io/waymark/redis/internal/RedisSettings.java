package io.waymark.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.resource.ClientResources;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisMetrics;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The builder's validated settings. Internal: built only by
 * {@link io.waymark.redis.DiscoveredRedisBuilder}.
 */
public record RedisSettings<K, V>(
        RedisCodec<K, V> codec,
        ConsulDiscovery discovery,
        boolean ownsDiscovery,
        String writeService,
        String readService,
        String username,
        char[] password,
        boolean ssl,
        boolean verifyPeer,
        int database,
        String clientName,
        ReadPolicy readPolicy,
        TopologyMode mode,
        int defaultPort,
        Duration commandTimeout,
        Duration connectTimeout,
        Duration failoverBudget,
        Duration healthCheckInterval,
        Duration keepAliveIdle,
        Duration keepAliveInterval,
        int keepAliveCount,
        Duration tcpUserTimeout,
        int poolMaxTotal,
        int poolMaxIdle,
        RedisMetrics metrics,
        Consumer<ClientOptions.Builder> clientOptions,
        ClientResources clientResources,
        ScheduledExecutorService scheduler) {

    /** The application's metrics hooks, isolated: see {@link SafeMetrics}. */
    public RedisSettings {
        metrics = SafeMetrics.wrap(metrics);
    }

    /** ROLE probes answer in microseconds; a node that takes longer than this is treated as not answering. */
    public Duration probeTimeout() {
        Duration oneSecond = Duration.ofSeconds(1);
        return commandTimeout.compareTo(oneSecond) < 0 ? commandTimeout : oneSecond;
    }

    @Override
    public String toString() {
        return "RedisSettings{writeService=" + writeService + ", readService=" + readService + ", mode=" + mode
                + ", readPolicy=" + readPolicy + ", username=" + username + ", password="
                + (password == null ? "none" : "****") + ", ssl=" + ssl + ", database=" + database
                + ", commandTimeout=" + commandTimeout + ", failoverBudget=" + failoverBudget + '}';
    }
}
