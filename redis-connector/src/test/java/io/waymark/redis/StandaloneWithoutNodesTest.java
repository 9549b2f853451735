package io.waymark.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.waymark.discovery.InMemoryDiscovery;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Standalone mode with nothing in Consul: no server needed, the behaviour is all local. */
class StandaloneWithoutNodesTest {

    @Test
    void writesWaitForAMasterWithinTheBudgetThenFailNamingTheServiceAndCloseLeavesNoThread() {
        Set<String> before = threadNames();
        InMemoryDiscovery discovery = new InMemoryDiscovery();
        DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()
                .discovery(discovery)
                .writeService("w-master-redis-6379.service.consul")
                .topology(TopologyMode.STANDALONE)
                .password("secret-password")
                .failoverBudget(Duration.ofMillis(300))
                .build();
        try {
            assertThat(redis.stats().masters()).isEmpty();
            assertThat(redis.stats().mode()).isEqualTo(TopologyMode.STANDALONE);
            int refreshesBefore = discovery.refreshes("w-master-redis-6379.service.consul");
            assertThatThrownBy(() -> redis.sync().set("k", "v"))
                    .isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("no writable master for w-master-redis-6379.service.consul")
                    .hasMessageNotContaining("secret-password");
            assertThat(discovery.refreshes("w-master-redis-6379.service.consul")).as("asked Consul again while waiting")
                    .isGreaterThan(refreshesBefore);
            assertThatThrownBy(() -> redis.sync().readOnly())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("readOnly");
            assertThat(redis.stats().timeWithoutWritableMaster()).isPositive();
        } finally {
            redis.close();
        }
        assertThat(discovery.watchers("w-master-redis-6379.service.consul")).isZero();
        assertThat(discovery.isClosed()).as("a shared discovery stays open").isFalse();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Set<String> after = threadNames();
            after.removeAll(before);
            assertThat(after).noneMatch(n -> n.startsWith("waymark-redis") || n.startsWith("lettuce"));
        });
    }

    @Test
    void closeFailsWritesStillWaitingForAMasterInsteadOfLeavingThemHanging() {
        DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()
                .discovery(new InMemoryDiscovery())
                .writeService("w-master")
                .topology(TopologyMode.STANDALONE)
                .failoverBudget(Duration.ofSeconds(30))
                .build();
        RedisFuture<String> pending = redis.async().set("k", "v");
        assertThat(pending.isDone()).isFalse();
        redis.close();
        await().atMost(Duration.ofSeconds(5)).until(pending::isDone);
        assertThat(pending.getError()).isEqualTo("DiscoveredRedis is closed");
    }

    @Test
    void theLongestDurationsAcceptedBuildAndRunWithoutOverflow() {
        Duration max = Duration.ofDays(24);
        DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()
                .discovery(new InMemoryDiscovery())
                .writeService("w-master")
                .topology(TopologyMode.STANDALONE)
                .commandTimeout(max)
                .connectTimeout(max)
                .healthCheckInterval(max)
                .tcpUserTimeout(max)
                .tcpKeepAlive(Duration.ofSeconds(32767), Duration.ofSeconds(32767), 1)
                .failoverBudget(max)
                .build();
        RedisFuture<String> pending = redis.async().set("k", "v");
        RedisFuture<String> read = redis.async().get("k");
        assertThat(pending.isDone()).as("waits for a master, for 24 days at most").isFalse();
        redis.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> pending.isDone() && read.isDone());
        assertThat(pending.getError()).isEqualTo("DiscoveredRedis is closed");
        assertThat(redis.stats().timeWithoutWritableMaster()).isPositive();
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
