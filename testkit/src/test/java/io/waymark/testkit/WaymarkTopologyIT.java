package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

@WaymarkTopology(redisReplicas = 1, roleChecks = true, checkIntervalMillis = 500)
@DisplayName("@WaymarkTopology")
class WaymarkTopologyIT {

    private static RedisReplication beforeAll;

    @BeforeAll
    static void remember(RedisReplication redis) {
        beforeAll = redis;
    }

    @Test
    @DisplayName("injects the fixtures it started, role checks passing")
    void injectsStartedFixtures(RedisReplication redis, ConsulCluster consul) {
        assertThat(redis).isSameAs(beforeAll);
        assertThat(redis.master().role()).isEqualTo("master");
        assertThat(consul.clients()).extracting(ConsulAgent::nodeName).containsExactly("redis01", "redis02");
        consul.awaitPassing(WaymarkTopology.REDIS_MASTER_SERVICE, 1, Duration.ofSeconds(30));
        consul.awaitPassing(WaymarkTopology.REDIS_REPLICA_SERVICE, 1, Duration.ofSeconds(30));
        assertThat(consul.passing(WaymarkTopology.REDIS_MASTER_SERVICE)).containsExactly(redis.master().address());
    }

    @Nested
    @DisplayName("in a nested class")
    class Inner {
        @Test
        @DisplayName("injects the same fixture, started once")
        void sameFixture(RedisReplication redis) {
            assertThat(redis).isSameAs(beforeAll);
        }
    }

    /** Run by {@link #closesTheFixturesAfterTheClass}, not by the build (a nested static class). */
    @WaymarkTopology(redisReplicas = 0)
    static class Sample {
        static volatile RedisReplication seen;

        @Test
        void sees(RedisReplication redis) {
            seen = redis;
        }
    }

    /** Asks for a fixture it does not start. */
    @WaymarkTopology(redisReplicas = 0)
    static class Missing {
        @Test
        void wants(MariaDbReplication db) {
            // never runs: the parameter cannot be resolved
        }
    }

    @Test
    @DisplayName("closes the fixtures after the class; a fixture it does not start fails the parameter")
    void closesTheFixturesAfterTheClass() {
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(Sample.class)).execute()
                .testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
        RedisReplication seen = Sample.seen;
        assertThat(seen).isNotNull();
        List<RedisNode> nodes = seen.nodes();
        assertThat(nodes).noneMatch(RedisNode::isRunning);

        var failed = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Missing.class)).execute()
                .testEvents().failed().list();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow())
                .hasMessageContaining("starts no MariaDbReplication")
                .hasMessageContaining("set mariadbReplicas >= 0");
    }
}
