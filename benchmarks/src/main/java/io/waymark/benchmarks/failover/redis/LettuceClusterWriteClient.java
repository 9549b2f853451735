package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.List;

/**
 * Lettuce's own {@link RedisClusterClient} seeded with the static node list, with the topology
 * refresh its reference documentation recommends: periodic (every 60 s) and all adaptive
 * triggers (MOVED, ASK, persistent reconnects, unknown nodes). Lettuce follows {@code MOVED}
 * itself.
 */
final class LettuceClusterWriteClient implements WriteClient {

    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<String, String> connection;

    LettuceClusterWriteClient(List<RedisURI> seeds) {
        this.client = RedisClusterClient.create(seeds);
        try {
            client.setOptions(ClusterClientOptions.builder()
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh()
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
            this.connection = client.connect();
            connection.setReadFrom(ReadFrom.REPLICA_PREFERRED);
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    @Override
    public String name() {
        return "Lettuce RedisClusterClient (static seeds, refresh on)";
    }

    @Override
    public long incr(String key) {
        return connection.sync().incr(key);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } finally {
            client.shutdown();
        }
    }
}
