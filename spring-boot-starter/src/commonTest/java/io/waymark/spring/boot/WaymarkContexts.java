package io.waymark.spring.boot;

import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.WaymarkTopology;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Application contexts of the starter for the ITs. */
final class WaymarkContexts {

    private WaymarkContexts() {
    }

    /**
     * Waymark's and Boot's Redis auto-configurations on a {@link WaymarkTopology#roleChecks()} replication:
     * its write and read services through the first Consul client agent, a 3 s failover budget.
     */
    static ApplicationContextRunner replication(RedisReplication redis, ConsulCluster consul) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(WaymarkAutoConfiguration.class))
                .withConfiguration(BootLine.redis())
                .withPropertyValues("waymark.consul.agents=" + consul.clients().get(0).httpAddress(),
                        "waymark.redis.write-service=" + WaymarkTopology.REDIS_MASTER_SERVICE + ".service.consul",
                        "waymark.redis.read-service=" + WaymarkTopology.REDIS_REPLICA_SERVICE + ".service.consul",
                        "waymark.redis.password=" + redis.password(), "waymark.redis.failover-budget=3s");
    }
}
