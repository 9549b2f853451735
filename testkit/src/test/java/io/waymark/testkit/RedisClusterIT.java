package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.internal.Resp;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;

/** One cluster for the class; the nested groups run in order (layout, failover, kill, close). */
@DisplayName("RedisCluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class RedisClusterIT {

    private RedisCluster rc;

    @BeforeAll
    void start() {
        rc = RedisCluster.builder().port(7100).password("secret").nodeTimeout(Duration.ofSeconds(2))
                .serverOption("--maxmemory-policy volatile-lfu").start();
    }

    @AfterAll
    void stop() {
        if (rc != null) {
            rc.close();
        }
    }

    static String call(RedisNode n, String... args) {
        return String.valueOf(Resp.call(n.host(), n.port(), "secret", args));
    }

    @Nested
    @Order(1)
    @DisplayName("when started")
    class Started {

        @Test
        void firstThreeNodesAreMastersAndEachHasItsReplica() {
            List<RedisNode> nodes = rc.nodes();
            assertThat(nodes).hasSize(6).extracting(RedisNode::host).doesNotHaveDuplicates();
            assertThat(nodes).extracting(RedisNode::port).containsOnly(7100);
            assertThat(rc.masters()).containsExactlyElementsOf(nodes.subList(0, 3));
            assertThat(rc.replicas()).containsExactlyElementsOf(nodes.subList(3, 6));
            for (int i = 0; i < 3; i++) {
                assertThat(rc.replicaOf(nodes.get(i))).isSameAs(nodes.get(i + 3));
                assertThat(nodes.get(i).role()).isEqualTo("master");
                assertThat(nodes.get(i + 3).role()).isEqualTo("slave");
            }
        }

        @Test
        void nodesAnnounceTheirOwnAddresses() {
            String view = call(rc.nodes().get(0), "CLUSTER", "NODES");
            for (RedisNode n : rc.nodes()) {
                assertThat(view).contains(n.address() + "@17100");
            }
            assertThat(view).doesNotContain("127.0.0.1:");
            assertThat(call(rc.nodes().get(5), "CLUSTER", "INFO")).contains("cluster_state:ok");
        }

        @Test
        void everyNodeRunsWithTheServerOptions() {
            for (RedisNode n : rc.nodes()) {
                assertThat(call(n, "CONFIG", "GET", "maxmemory-policy")).isEqualTo("[maxmemory-policy, volatile-lfu]");
            }
        }
    }

    @Nested
    @Order(2)
    @DisplayName("failover")
    class Failover {

        @Test
        void swapsMasterAndReplica() {
            RedisNode master = rc.nodes().get(0);
            RedisNode replica = rc.replicaOf(master);
            rc.failover(replica);
            assertThat(replica.role()).isEqualTo("master");
            assertThat(master.role()).isEqualTo("slave");
            assertThat(rc.masters()).contains(replica).doesNotContain(master);
            assertThat(rc.replicaOf(replica)).isSameAs(master);
        }
    }

    @Nested
    @Order(3)
    @DisplayName("kill")
    class Kill {

        @Test
        void theClusterPromotesTheReplicaOfAKilledMaster() {
            RedisNode master = rc.nodes().get(1);
            RedisNode replica = rc.replicaOf(master);
            long pid = master.pid();
            rc.kill(master);
            assertThat(Pids.alive(pid)).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> "master".equals(replica.role()));
            master.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> "slave".equals(master.role()));
            rc.awaitOk();
        }
    }

    @Nested
    @Order(4)
    @DisplayName("freeze")
    class Freeze {

        @Test
        void aMasterFrozenPastTheNodeTimeoutIsReplacedAndRejoinsAsAReplicaWhenThawed() {
            RedisNode master = rc.nodes().get(2);
            RedisNode replica = rc.replicaOf(master);
            master.freeze(Duration.ofSeconds(8));
            await().atMost(Duration.ofSeconds(30)).until(() -> "master".equals(replica.role()));
            assertThat(master.isFrozen()).as("replaced while still frozen").isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> !master.isFrozen());
            await().atMost(Duration.ofSeconds(30)).until(() -> "slave".equals(master.role()));
            rc.awaitOk();
            // replicaOf reads another node's view, which learns the demotion by gossip, a moment later
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IllegalStateException.class)
                    .untilAsserted(() -> assertThat(rc.replicaOf(replica)).isSameAs(master));
        }
    }

    @Nested
    @Order(5)
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcess() {
            Pids.assertCloseEndsAll(rc.nodes().stream().map(RedisNode::pid).toList(), rc::close);
        }
    }
}
