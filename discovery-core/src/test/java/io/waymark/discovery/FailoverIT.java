package io.waymark.discovery;

import static org.awaitility.Awaitility.await;

import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The seed's names (role-checked Redis behind Consul client agents) followed through a switchover. */
class FailoverIT {

    private static final String MASTER = "w-master-redis-6379";
    private static final String REPLICA = "r-slave-redis-6379";

    @Test
    @DisplayName("HTTP and DNS mode both follow a Redis switchover on the seed's names")
    void followsSwitchover() {
        try (RedisReplication redis = RedisReplication.builder().replicas(1).password("secret").start()) {
            ConsulCluster.Builder cb = ConsulCluster.builder().servers(1);
            for (RedisNode node : redis.nodes()) {
                cb.clientAgent("redis-" + node.host().replace('.', '-'), node.host(),
                        RoleChecks.redis(node, "secret", MASTER, REPLICA, Duration.ofSeconds(1)));
            }
            try (ConsulCluster consul = cb.start();
                    ConsulDiscovery http = ConsulDiscovery.builder().agent(consul.clients().get(0).httpAddress())
                            .build();
                    ConsulDiscovery dns = ConsulDiscovery.builder().agent(consul.clients().get(1).httpAddress())
                            .mode(DiscoveryMode.DNS).dnsPollInterval(Duration.ofMillis(250)).build()) {
                consul.awaitPassing(MASTER, 1, Duration.ofSeconds(30));
                RedisNode master = redis.master();
                RedisNode replica = redis.replicas().get(0);
                Recorder httpMaster = new Recorder();
                Recorder dnsMaster = new Recorder();
                Recorder httpReplica = new Recorder();
                http.watch(MASTER + ".service.consul", httpMaster);
                dns.watch(MASTER + ".service.consul", dnsMaster);
                http.watch("_" + REPLICA + "._tcp.service.consul", httpReplica);
                await().atMost(Duration.ofSeconds(30)).until(() -> httpMaster.addresses().equals(List.of(master.address()))
                        && dnsMaster.addresses().equals(List.of(master.address()))
                        && httpReplica.addresses().equals(List.of(replica.address())));

                redis.switchover(replica);
                await().atMost(Duration.ofSeconds(30)).until(() -> httpMaster.addresses().equals(List.of(replica.address()))
                        && dnsMaster.addresses().equals(List.of(replica.address()))
                        && httpReplica.addresses().equals(List.of(master.address())));
            }
        }
    }
}
