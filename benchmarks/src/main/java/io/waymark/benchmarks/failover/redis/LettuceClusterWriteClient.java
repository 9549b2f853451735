package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Lettuce's own {@link RedisClusterClient} seeded with the static node list. Lettuce follows
 * {@code MOVED} itself; how fast it notices a failover depends on its topology refresh, set one of
 * two ways:
 * <ul>
 *   <li>{@link Refresh#REFERENCE_GUIDE}: what Lettuce's reference guide and the Redis docs'
 *       "production usage" page for Lettuce recommend: periodic refresh (every 60 s) plus every
 *       adaptive trigger (MOVED, ASK, persistent reconnects, uncovered slot, unknown node), and a
 *       5 s command timeout;</li>
 *   <li>{@link Refresh#DEFAULTS}: Lettuce's defaults, no refresh option set, with the command
 *       timeout every client here has (3 s: Lettuce's own 60 s would make every stall look worse).</li>
 * </ul>
 */
final class LettuceClusterWriteClient extends LettuceWriteClient {

    /** How the client refreshes its view of the cluster. */
    enum Refresh {
        REFERENCE_GUIDE("Lettuce RedisClusterClient (reference guide: periodic + adaptive refresh, 5 s timeout)"),
        DEFAULTS("Lettuce RedisClusterClient (defaults)");

        final String label;

        Refresh(String label) {
            this.label = label;
        }
    }

    private final Refresh refresh;

    LettuceClusterWriteClient(List<RedisURI> seeds) {
        this(seeds, Refresh.REFERENCE_GUIDE);
    }

    LettuceClusterWriteClient(List<RedisURI> seeds, Refresh refresh) {
        super(RedisClusterClient.create(refresh == Refresh.REFERENCE_GUIDE ? withTimeout(seeds,
                Duration.ofSeconds(5)) : seeds), client -> {
            if (refresh == Refresh.REFERENCE_GUIDE) {
                client.setOptions(ClusterClientOptions.builder()
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enablePeriodicRefresh(Duration.ofSeconds(60))
                                // every trigger (enableAllAdaptiveRefreshTriggers, deprecated in Lettuce 7)
                                .enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.values())
                                .build())
                        .build());
            }
            StatefulRedisClusterConnection<String, String> connection = client.connect();
            connection.setReadFrom(ReadFrom.REPLICA_PREFERRED);
            return connection;
        }, StatefulRedisClusterConnection::sync);
        this.refresh = refresh;
    }

    private static List<RedisURI> withTimeout(List<RedisURI> seeds, Duration timeout) {
        List<RedisURI> out = new ArrayList<>();
        for (RedisURI u : seeds) {
            RedisURI copy = RedisURI.builder(u).withTimeout(timeout).build();
            out.add(copy);
        }
        return out;
    }

    @Override
    public String name() {
        return refresh.label;
    }
}
