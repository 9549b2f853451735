package io.waymark.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RoleChecks;
import java.time.Duration;
import java.util.List;

/**
 * What the ITs of this module share around the testkit's fixtures: Redis nodes behind Consul the
 * seed's way (a Consul client agent per Redis node running the role checks, the services
 * {@value #WRITE} and {@value #READ}), a connector pointed at them, direct connections to a node.
 */
final class RoleCheckedRedis {

    static final String PASSWORD = "secret";
    static final String WRITE = "w-master-redis-6379";
    static final String READ = "r-slave-redis-6379";

    private RoleCheckedRedis() {
    }

    /**
     * Starts {@code servers} with a client agent per node of {@code nodes} (named {@code prefix-0},
     * {@code prefix-1}, ...) running the role checks every {@code interval}, and client agents without
     * services named {@code appAgents} for the application.
     */
    static ConsulCluster consul(ConsulCluster.Builder servers, String prefix, List<RedisNode> nodes, Duration interval,
            String... appAgents) {
        int i = 0;
        for (RedisNode n : nodes) {
            servers.clientAgent(prefix + "-" + i++, RoleChecks.redis(n, PASSWORD, WRITE, READ, interval));
        }
        for (String app : appAgents) {
            servers.clientAgent(app);
        }
        return servers.start();
    }

    /** {@code builder} set for the Redis services, with the password; the caller says how to reach Consul. */
    static <K, V> DiscoveredRedisBuilder<K, V> services(DiscoveredRedisBuilder<K, V> builder) {
        return builder.writeService(WRITE + ".service.consul")
                .readService(READ + ".service.consul")
                .password(PASSWORD);
    }

    /** {@code node} with the password and Lettuce's default timeout. */
    static RedisURI uri(RedisNode node) {
        return RedisURI.builder().withHost(node.host()).withPort(node.port()).withPassword(PASSWORD.toCharArray())
                .build();
    }

    /** {@code node} with the password and a command timeout of {@code timeout}. */
    static RedisURI uri(RedisNode node, Duration timeout) {
        return RedisURI.builder(uri(node)).withTimeout(timeout).build();
    }

    /** The first word of {@code node}'s ROLE ("master", "slave"), or "unknown" when it does not answer in 500 ms. */
    static String role(RedisClient client, RedisNode node) {
        try (StatefulRedisConnection<String, String> c = client.connect(uri(node, Duration.ofSeconds(2)))) {
            c.setTimeout(Duration.ofMillis(500));
            return String.valueOf(c.sync().role().get(0));
        } catch (RuntimeException e) {
            return "unknown";
        }
    }
}
