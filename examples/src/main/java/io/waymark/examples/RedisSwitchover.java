package io.waymark.examples;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.ReadPolicy;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import java.time.Duration;

/**
 * {@link DiscoveredRedis} on standalone replication (a master and two replicas, each behind a
 * Consul client agent with the seed's role checks), writing through a switchover.
 *
 * <p>Run: {@code scripts/example redis}.
 */
public final class RedisSwitchover {

    static final String MASTER = "w-master-redis-6379";
    static final String REPLICA = "r-slave-redis-6379";

    private RedisSwitchover() {
    }

    /** What the example saw. */
    public record Outcome(long writes, long errors, String counter, String servedBy) {
    }

    public static void main(String[] args) throws InterruptedException {
        try (RedisReplication redis = RedisReplication.builder().replicas(2).password("secret").start();
                ConsulCluster consul = agentsFor(redis)) {
            Outcome o = run(consul.clients().get(0).httpAddress(), redis);
            System.out.printf("%d writes, %d errors, counter=%s, master now %s%n", o.writes(), o.errors(), o.counter(),
                    o.servedBy());
        }
    }

    static ConsulCluster agentsFor(RedisReplication redis) {
        ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
        int i = 1;
        for (RedisNode node : redis.nodes()) {
            b.clientAgent("redis-" + i++, RoleChecks.redis(node, redis.password(), MASTER, REPLICA, Duration.ofSeconds(1)));
        }
        ConsulCluster consul = b.start();
        consul.awaitPassing(MASTER, 1, Duration.ofSeconds(60));
        consul.awaitPassing(REPLICA, redis.replicas().size(), Duration.ofSeconds(60));
        return consul;
    }

    /** Increments a counter before, during and after a switchover to the first replica. */
    public static Outcome run(String consulAgent, RedisReplication servers) throws InterruptedException {
        try (DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()
                .consulAgent(consulAgent)
                .writeService(MASTER + ".service.consul")
                .readService(REPLICA + ".service.consul")
                .password(servers.password())
                .readFrom(ReadPolicy.REPLICA_PREFERRED)
                .build()) {
            RedisClusterCommands<String, String> sync = redis.sync();
            sync.del("example:counter");
            long writes = 0;
            long errors = 0;
            RedisNode target = servers.replicas().get(0);
            Thread switchover = new Thread(() -> servers.switchover(target), "example-switchover");
            for (int i = 0; i < 3000; i++) {
                if (i == 1000) {
                    switchover.start();
                }
                try {
                    sync.incr("example:counter");
                    writes++;
                } catch (RuntimeException e) {
                    errors++;
                    System.out.println("write failed: " + e);
                }
            }
            switchover.join();
            return new Outcome(writes, errors, sync.get("example:counter"), String.join(",", redis.stats().masters()));
        }
    }
}
