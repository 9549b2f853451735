package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The seed's topology exactly: 3 Consul servers on 127.0.0.11-13 (consul01-03), a Redis Cluster on
 * 127.0.0.21-26 port 8888 (password "secret"; masters .21-.23, replicas .24-.26), and on each
 * Redis host a Consul client agent (redis01-06, bound to that host) registering
 * {@value #MASTER_SERVICE} and {@value #REPLICA_SERVICE} with the seed's role script checks.
 *
 * <p>The addresses are fixed, so only one SeedTopology runs on a machine at a time: a second one
 * (in any JVM) waits for the address locks, up to {@link Builder#addressWait}.
 *
 * <p>Threading: thread-safe.
 */
public final class SeedTopology implements AutoCloseable {

    public static final String MASTER_SERVICE = "w-master-redis-8888";
    public static final String REPLICA_SERVICE = "r-slave-redis-8888";
    public static final String PASSWORD = "secret";
    public static final int REDIS_PORT = 8888;
    public static final List<String> CONSUL_HOSTS =
            List.of("127.0.0.11", "127.0.0.12", "127.0.0.13");
    public static final List<String> REDIS_HOSTS = List.of("127.0.0.21", "127.0.0.22",
            "127.0.0.23", "127.0.0.24", "127.0.0.25", "127.0.0.26");

    private final ConsulCluster consul;
    private final RedisCluster redis;
    private final Duration checkInterval;

    private SeedTopology(ConsulCluster consul, RedisCluster redis, Duration checkInterval) {
        this.consul = consul;
        this.redis = redis;
        this.checkInterval = checkInterval;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ConsulCluster consul() {
        return consul;
    }

    public RedisCluster redis() {
        return redis;
    }

    /**
     * Fails over to {@code replica} (CLUSTER FAILOVER) and waits until Consul's passing
     * {@value #MASTER_SERVICE} instances are exactly the cluster's masters again.
     */
    public void failover(RedisNode replica) {
        redis.failover(replica);
        awaitConsulMatchesCluster(settleTimeout());
    }

    /** How long Consul may take to follow the cluster: a few check intervals more than a failover. */
    private Duration settleTimeout() {
        return Duration.ofSeconds(30).plus(checkInterval.multipliedBy(3));
    }

    /** Waits until the passing master/replica services in Consul equal the cluster's roles. */
    public void awaitConsulMatchesCluster(Duration timeout) {
        AtomicReference<String> seen = new AtomicReference<>("");
        Poll.until(timeout, Duration.ofMillis(200), () -> {
            List<String> masters = redis.masters().stream().map(RedisNode::address).sorted().toList();
            List<String> replicas = redis.replicas().stream().map(RedisNode::address).sorted().toList();
            List<String> m = consul.passing(MASTER_SERVICE);
            List<String> r = consul.passing(REPLICA_SERVICE);
            seen.set("cluster masters " + masters + " replicas " + replicas + ", Consul passing "
                    + m + " / " + r);
            // DNS reads each server's own state: wait until the followers applied it too
            return m.equals(masters) && r.equals(replicas)
                    && consul.serversAgree(MASTER_SERVICE, masters)
                    && consul.serversAgree(REPLICA_SERVICE, replicas);
        }, seen::get);
    }

    /** Stops the Consul agents, then the Redis nodes. */
    @Override
    public void close() {
        Cleanup.runAll(consul::close, redis::close);
    }

    @Override
    public String toString() {
        return "SeedTopology[" + consul + ", " + redis + "]";
    }

    /** Builds and starts a {@link SeedTopology}; not thread-safe. */
    public static final class Builder {
        private Duration checkInterval = Duration.ofSeconds(2);
        private Duration addressWait = Duration.ofSeconds(120);
        private Duration nodeTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /** Interval of the role script checks; default 2 s (the seed's). */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = Checks.positive("checkInterval", interval);
            return this;
        }

        /** How long to wait for the fixed addresses while another fixture holds them; 120 s. */
        public Builder addressWait(Duration wait) {
            this.addressWait = Checks.nonNegative("addressWait", wait);
            return this;
        }

        /** The Redis cluster-node-timeout; default 5 s. */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = RedisCluster.checkNodeTimeout(timeout);
            return this;
        }

        /** Starts Redis, then Consul, and waits until Consul lists 3 masters and 3 replicas. */
        public SeedTopology start() {
            RedisCluster redis = RedisCluster.builder().hosts(REDIS_HOSTS).port(REDIS_PORT)
                    .password(PASSWORD).nodeTimeout(nodeTimeout).addressWait(addressWait).start();
            SeedTopology seed = null;
            try {
                ConsulCluster.Builder cb = ConsulCluster.builder().serverHosts(CONSUL_HOSTS)
                        .addressWait(addressWait);
                int i = 0;
                for (RedisNode n : redis.nodes()) {
                    cb.clientAgent(String.format("redis%02d", ++i),
                            RoleChecks.redis(n, PASSWORD, MASTER_SERVICE, REPLICA_SERVICE, checkInterval));
                }
                seed = new SeedTopology(cb.start(), redis, checkInterval);
                seed.awaitConsulMatchesCluster(seed.settleTimeout());
                return seed;
            } catch (RuntimeException | Error e) {
                Cleanup.runAllAfter(e, seed != null ? seed::close : redis::close);
                throw e;
            }
        }
    }
}
