package io.waymark.examples.demo;

import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import io.waymark.testkit.SeedTopology;
import java.time.Duration;
import java.util.List;

/**
 * The servers the demo runs against: the seed's topology (Redis Cluster behind Consul) or a
 * standalone master with replicas behind the same kind of Consul agents.
 */
interface Sandbox extends AutoCloseable {

    String consulAgent();

    String writeService();

    String readService();

    String password();

    /** The replica the failover promotes. */
    RedisNode target();

    /** The master that {@link #target()} replicates today. */
    RedisNode oldMaster();

    /** Issues the failover; returns once the roles really changed. */
    void failover();

    String describe();

    @Override
    void close();

    static Sandbox seed(Duration checkInterval) {
        SeedTopology seed = SeedTopology.builder().checkInterval(checkInterval).start();
        RedisNode target = seed.redis().replicas().get(0);
        RedisNode master = seed.redis().masters().stream()
                .filter(m -> seed.redis().replicaOf(m).address().equals(target.address()))
                .findFirst().orElseThrow(() -> new IllegalStateException("no master replicated by " + target));
        return new Sandbox() {
            @Override
            public String consulAgent() {
                return seed.consul().clients().get(0).httpAddress();
            }

            @Override
            public String writeService() {
                return SeedTopology.MASTER_SERVICE + ".service.consul";
            }

            @Override
            public String readService() {
                return SeedTopology.REPLICA_SERVICE + ".service.consul";
            }

            @Override
            public String password() {
                return SeedTopology.PASSWORD;
            }

            @Override
            public RedisNode target() {
                return target;
            }

            @Override
            public RedisNode oldMaster() {
                return master;
            }

            @Override
            public void failover() {
                seed.redis().failover(target);
            }

            @Override
            public String describe() {
                return "Redis Cluster (3 masters + 3 replicas on :8888) behind 3 Consul servers and "
                        + seed.consul().clients().size() + " client agents";
            }

            @Override
            public void close() {
                seed.close();
            }
        };
    }

    static Sandbox standalone(Duration checkInterval) {
        String master = "w-master-redis-6379";
        String replica = "r-slave-redis-6379";
        RedisReplication redis = RedisReplication.builder().replicas(2).password("secret").start();
        ConsulCluster consul;
        try {
            ConsulCluster.Builder b = ConsulCluster.builder().servers(3);
            int i = 1;
            for (RedisNode node : redis.nodes()) {
                b.clientAgent("redis0" + i++, RoleChecks.redis(node, "secret", master, replica, checkInterval));
            }
            consul = b.start();
            consul.awaitPassing(master, 1, Duration.ofSeconds(60));
            consul.awaitPassing(replica, 2, Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
        ConsulCluster agents = consul;
        RedisNode target = redis.replicas().get(0);
        RedisNode old = redis.master();
        return new Sandbox() {
            @Override
            public String consulAgent() {
                return agents.clients().get(0).httpAddress();
            }

            @Override
            public String writeService() {
                return master + ".service.consul";
            }

            @Override
            public String readService() {
                return replica + ".service.consul";
            }

            @Override
            public String password() {
                return "secret";
            }

            @Override
            public RedisNode target() {
                return target;
            }

            @Override
            public RedisNode oldMaster() {
                return old;
            }

            @Override
            public void failover() {
                redis.switchover(target);
            }

            @Override
            public String describe() {
                List<String> nodes = redis.nodes().stream().map(RedisNode::address).toList();
                return "standalone replication " + nodes + " behind 3 Consul servers and "
                        + agents.clients().size() + " client agents";
            }

            @Override
            public void close() {
                try {
                    agents.close();
                } finally {
                    redis.close();
                }
            }
        };
    }
}
