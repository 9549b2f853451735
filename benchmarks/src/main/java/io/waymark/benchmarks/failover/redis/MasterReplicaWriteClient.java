package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import java.util.List;

/**
 * Lettuce's {@link MasterReplica} given the static node list, as users configure it without
 * discovery: the roles are read once at connect, and Lettuce does not refresh a static topology.
 */
final class MasterReplicaWriteClient extends LettuceWriteClient {

    MasterReplicaWriteClient(List<RedisURI> staticNodes) {
        super(RedisClient.create(), client -> {
            StatefulRedisMasterReplicaConnection<String, String> connection =
                    MasterReplica.connect(client, StringCodec.UTF8, staticNodes);
            connection.setReadFrom(ReadFrom.REPLICA_PREFERRED);
            return connection;
        }, StatefulRedisMasterReplicaConnection::sync);
    }

    @Override
    public String name() {
        return "Lettuce MasterReplica (static nodes)";
    }

    @Override
    public String note() {
        return "roles read once at connect (a static topology is not refreshed)";
    }
}
