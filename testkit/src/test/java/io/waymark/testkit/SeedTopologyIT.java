package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
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

@DisplayName("SeedTopology")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class SeedTopologyIT {

    private SeedTopology seed;

    @BeforeAll
    void start() {
        seed = SeedTopology.builder().checkInterval(Duration.ofSeconds(1)).start();
    }

    @AfterAll
    void stop() {
        if (seed != null) {
            seed.close();
        }
    }

    RedisNode node(String host) {
        return seed.redis().nodes().stream().filter(n -> n.host().equals(host)).findFirst()
                .orElseThrow();
    }

    @Nested
    @Order(1)
    @DisplayName("when started")
    class Started {

        @Test
        void usesTheSeedAddresses() {
            assertThat(seed.consul().servers()).extracting(ConsulAgent::host)
                    .containsExactly("127.0.0.11", "127.0.0.12", "127.0.0.13");
            assertThat(seed.consul().clients()).extracting(ConsulAgent::host)
                    .containsExactly("127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.25",
                            "127.0.0.26");
            assertThat(seed.redis().masters()).extracting(RedisNode::address)
                    .containsExactly("127.0.0.21:8888", "127.0.0.22:8888", "127.0.0.23:8888");
            assertThat(seed.redis().replicas()).extracting(RedisNode::address)
                    .containsExactly("127.0.0.24:8888", "127.0.0.25:8888", "127.0.0.26:8888");
        }

        @Test
        void consulDnsAnswersMastersAndReplicas() {
            ConsulAgent server = seed.consul().agent("consul01");
            assertThat(server.dnsAddress().getPort()).isEqualTo(8600);
            // DNS is eventually consistent (stale reads): allow it a moment, never forever
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(Dig.a(server.dnsAddress(), "w-master-redis-8888.service.consul"))
                        .containsExactly("127.0.0.21", "127.0.0.22", "127.0.0.23");
                assertThat(Dig.a(server.dnsAddress(), "r-slave-redis-8888.service.consul"))
                        .containsExactly("127.0.0.24", "127.0.0.25", "127.0.0.26");
            });
        }
    }

    @Nested
    @Order(2)
    @DisplayName("failover(.24)")
    class Failover {

        @Test
        void dnsAnswersWith24InPlaceOfItsOldMaster() {
            RedisNode replica = node("127.0.0.24");
            RedisNode oldMaster = node("127.0.0.21");
            assertThat(seed.redis().replicaOf(oldMaster)).isSameAs(replica);
            seed.failover(replica);
            ConsulAgent agent = seed.consul().agent("redis02");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(Dig.a(agent.dnsAddress(), "w-master-redis-8888.service.consul"))
                        .containsExactly("127.0.0.22", "127.0.0.23", "127.0.0.24");
                assertThat(Dig.a(seed.consul().agent("consul02").dnsAddress(),
                        "r-slave-redis-8888.service.consul"))
                        .containsExactly("127.0.0.21", "127.0.0.25", "127.0.0.26");
            });
        }
    }

    @Nested
    @Order(3)
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcessAndFreesTheSeedAddresses() {
            List<Long> pids = new ArrayList<>();
            seed.consul().agents().forEach(a -> pids.add(a.pid()));
            seed.redis().nodes().forEach(n -> pids.add(n.pid()));
            assertThat(pids).hasSize(15);
            Pids.assertCloseEndsAll(pids, seed::close);
            try (LoopbackAddresses.Lease lease =
                    LoopbackAddresses.acquire("127.0.0.21", Duration.ofSeconds(5), 8888, 8500, 8600)) {
                assertThat(lease.address()).isEqualTo("127.0.0.21");
            }
        }
    }
}
