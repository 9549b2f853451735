package io.waymark.redis.internal;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import java.util.List;

/**
 * Lettuce's cluster client, which also takes a view of the slots the connector fetched itself
 * ({@link SlotWatch}) and applies it to its connections the way its own refresh does: the same
 * shared {@code Partitions}, reloaded, then handed to every connection (whose slot caches reset,
 * and whose connections to nodes no longer in the view close, with {@code closeStaleConnections}).
 * Uses only what both Lettuce lines (6.x, 7.x) offer subclasses.
 *
 * <p><b>Threading:</b> as {@link RedisClusterClient}; {@link #adopt} may race with Lettuce's own
 * refresh, and the later one wins, as between two refreshes.
 */
final class ViewClusterClient extends RedisClusterClient {

    ViewClusterClient(ClientResources resources, List<RedisURI> seeds) {
        super(resources, seeds);
    }

    /** Makes {@code view} the view of the slots of this client and of its connections. */
    void adopt(List<RedisClusterNode> view) {
        getPartitions().reload(view);
        updatePartitionsInConnections();
    }
}
