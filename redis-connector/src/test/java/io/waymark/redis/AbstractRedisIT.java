package io.waymark.redis;

import static io.waymark.redis.RoleCheckedRedis.PASSWORD;
import static io.waymark.redis.RoleCheckedRedis.READ;
import static io.waymark.redis.RoleCheckedRedis.WRITE;

import io.lettuce.core.RedisClient;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.Teardown;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * What a Redis IT holds for its class: the Redis nodes ({@link #startReplication} or
 * {@link #startCluster}), Consul with a role-checked agent per node and the application's agents,
 * the connector under test ({@link #redis}) and a plain Lettuce client for direct connections
 * ({@link #raw}); whatever of them was started is closed after the class, the connector first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractRedisIT {

    RedisReplication replication;
    RedisCluster cluster;
    ConsulCluster consul;
    RedisClient raw;
    DiscoveredRedis<String, String> redis;

    /**
     * A master and 2 replicas; {@code servers} with an agent per node ({@code redis-0}, ...) running the
     * role checks every {@code checkInterval}, and the agents {@code appAgents}; returns once Consul
     * passes the master and both replicas.
     */
    void startReplication(ConsulCluster.Builder servers, Duration checkInterval, String... appAgents) {
        replication = RedisReplication.builder().replicas(2).password(PASSWORD).start();
        consul = RoleCheckedRedis.consul(servers, "redis", replication.nodes(), checkInterval, appAgents);
        consul.awaitPassing(WRITE, 1, Duration.ofSeconds(60));
        consul.awaitPassing(READ, 2, Duration.ofSeconds(60));
    }

    /**
     * The seed's shape: a Redis Cluster of 3 masters and 3 replicas, a Consul server, an agent per node
     * ({@code cluster-0}, ...) running the role checks every 2 s, and the agent {@code app}; returns once
     * Consul passes the 3 masters and the 3 replicas.
     */
    void startCluster() {
        cluster = RedisCluster.builder().password(PASSWORD).start();
        consul = RoleCheckedRedis.consul(ConsulCluster.builder().servers(1), "cluster", cluster.nodes(),
                Duration.ofSeconds(2), "app");
        consul.awaitPassing(WRITE, 3, Duration.ofSeconds(60));
        consul.awaitPassing(READ, 3, Duration.ofSeconds(60));
    }

    /** {@code builder} set for the Redis services, reaching Consul through the agent {@code app}. */
    <K, V> DiscoveredRedisBuilder<K, V> connector(DiscoveredRedisBuilder<K, V> builder) {
        return RoleCheckedRedis.services(builder).consulAgent(consul.agent("app").httpAddress());
    }

    @AfterAll
    void stopServers() {
        Teardown.closeAll(redis, raw, consul, replication, cluster);
    }

    /** {@code node}'s role through {@link #raw}: "master", "slave", or "unknown" when it does not answer. */
    String role(RedisNode node) {
        return RoleCheckedRedis.role(raw, node);
    }
}
