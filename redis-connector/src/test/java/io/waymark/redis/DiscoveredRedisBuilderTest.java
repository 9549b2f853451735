package io.waymark.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.TimeoutOptions;
import io.waymark.discovery.InMemoryDiscovery;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DiscoveredRedisBuilderTest {

    private static final String SECRET = "s3cr3t-never-shown";

    @Nested
    class SettersRejectBadValuesAtOnce {

        @Test
        void anUnparsableServiceNameIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w master redis"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("writeService: invalid Consul name 'w master redis'");
            assertThatThrownBy(() -> DiscoveredRedis.builder().readService("a..b"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("readService")
                    .hasMessageContaining("'a..b'");
        }

        @Test
        void aConsulAgentIsParsedByDiscoverysRulesNamingTheSetting() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().consulAgent("127.0.0.11:0"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("consulAgent port must be in 1..65535: 0 in '127.0.0.11:0'");
            assertThatThrownBy(() -> DiscoveredRedis.builder().consulAgent("127.0.0.11:http"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("consulAgent port must be a number")
                    .hasMessageContaining("'127.0.0.11:http'");
            assertThatThrownBy(() -> DiscoveredRedis.builder().consulAgent("http://user:pw@127.0.0.11:8500"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("consulAgent must not contain credentials")
                    .hasMessageNotContaining("pw");
        }

        @Test
        void consulAgentsTakeTheDefaultPortAndRepeatInOrder() {
            DiscoveredRedisBuilder<String, String> b = DiscoveredRedis.builder().consulAgent("127.0.0.11")
                    .consulAgent(" https://127.0.0.12:8501/ ").consulAgent("[::1]");
            assertThat(b.toString()).contains("agents=[127.0.0.11:8500, https://127.0.0.12:8501, [::1]:8500]");
        }

        @Test
        void aDefaultPortOutOfRangeIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().defaultPort(65536))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("defaultPort must be in 1..65535: 65536");
        }

        @Test
        void nonPositiveDurationsAreRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().commandTimeout(Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("commandTimeout must be positive: PT0S");
            assertThatThrownBy(() -> DiscoveredRedis.builder().failoverBudget(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("failoverBudget");
        }

        @Test
        void hugeDurationsAreRejectedNamingTheLimitRatherThanOverflowingLater() {
            Duration huge = Duration.ofHours(9_999_999);
            DiscoveredRedisBuilder<String, String> b = DiscoveredRedis.builder();
            assertThatThrownBy(() -> b.commandTimeout(huge)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("commandTimeout must be at most PT576H (24 days): PT9999999H");
            assertThatThrownBy(() -> b.connectTimeout(huge)).hasMessageStartingWith("connectTimeout must be at most");
            assertThatThrownBy(() -> b.failoverBudget(huge)).hasMessageStartingWith("failoverBudget must be at most");
            assertThatThrownBy(() -> b.healthCheckInterval(huge))
                    .hasMessageStartingWith("healthCheckInterval must be at most");
            assertThatThrownBy(() -> b.tcpUserTimeout(huge)).hasMessageStartingWith("tcpUserTimeout must be at most");
            assertThatThrownBy(() -> b.tcpKeepAlive(Duration.ofSeconds(32768), Duration.ofSeconds(1), 3))
                    .hasMessage("tcpKeepAlive idle must be at most PT9H6M7S (32767 s, the kernel's limit): PT9H6M8S");
            assertThatThrownBy(() -> b.tcpKeepAlive(Duration.ofSeconds(1), huge, 3))
                    .hasMessageStartingWith("tcpKeepAlive interval must be at most");
        }

        @Test
        void aPoolSizeOrDatabaseOutOfRangeIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().poolSize(0, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("poolSize maxTotal must be >= 1: 0");
            assertThatThrownBy(() -> DiscoveredRedis.builder().database(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("database must be >= 0: -1");
        }

        @Test
        void acceptsEveryConsulNameForm() {
            DiscoveredRedisBuilder<String, String> b = DiscoveredRedis.builder();
            b.writeService("w-master-redis-8888.service.consul");
            b.writeService("primary.db.service.dc1.consul");
            b.writeService("w-master-redis-8888");
            b.writeService("prepared.query.consul.");
            assertThat(b.toString()).contains("writeService=prepared.query.consul,");
        }
    }

    @Nested
    class BuildRejectsMissingOrConflictingSettings {

        @Test
        void aMissingWriteServiceIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().consulAgent("127.0.0.11:8500").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("writeService is required");
        }

        @Test
        void anAgentAndADiscoveryTogetherAreRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w").consulAgent("127.0.0.11:8500")
                    .discovery(new InMemoryDiscovery()).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("either consul(...)/consulAgent")
                    .hasMessageContaining("or discovery")
                    .hasMessageContaining("127.0.0.11:8500");
        }

        @Test
        void consulSettingsAndADiscoveryTogetherAreRejectedWithoutShowingTheToken() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w")
                    .consul(c -> c.agent("https://127.0.0.11:8501").token(SECRET))
                    .discovery(new InMemoryDiscovery()).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("either consul(...)/consulAgent")
                    .hasMessageContaining("https://127.0.0.11:8501")
                    .hasMessageNotContaining(SECRET);
        }

        @Test
        void aReplicaPolicyWithoutReadServiceIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w").discovery(new InMemoryDiscovery())
                    .readFrom(ReadPolicy.REPLICA).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("readFrom REPLICA needs a readService");
        }

        @Test
        void theSameServiceForReadsAndWritesIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("redis").readService("redis")
                    .discovery(new InMemoryDiscovery()).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("readService must differ from writeService: redis");
        }

        @Test
        void aDatabaseInClusterModeIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w").discovery(new InMemoryDiscovery())
                    .topology(TopologyMode.CLUSTER).database(2).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("database must be 0 in cluster mode: 2");
        }

        @Test
        void aUsernameWithoutPasswordIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w").discovery(new InMemoryDiscovery())
                    .username("app").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("username app needs a password");
        }

        @Test
        void aPoolIdleAboveItsTotalIsRejected() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w").discovery(new InMemoryDiscovery())
                    .poolSize(2, 3).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("poolSize maxIdle must be <= maxTotal: 3 > 2");
        }

        @Test
        void clientOptionsThatDefeatFailoverAreRejectedNamingTheOption() {
            InMemoryDiscovery discovery = new InMemoryDiscovery();
            assertThatThrownBy(() -> standalone(discovery)
                    .clientOptions(b -> b.disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS))
                    .build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("clientOptions").hasMessageContaining("disconnectedBehavior")
                    .hasMessageContaining("ACCEPT_COMMANDS");
            assertThatThrownBy(() -> standalone(discovery).clientOptions(b -> b.autoReconnect(false)).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("clientOptions").hasMessageContaining("autoReconnect");
            assertThatThrownBy(() -> standalone(discovery)
                    .clientOptions(b -> b.timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(1)))).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("clientOptions").hasMessageContaining("timeoutOptions")
                    .hasMessageContaining("commandTimeout");
            assertThat(discovery.watchers("w")).as("nothing left open").isZero();
        }

        @Test
        void clientOptionsThatKeepFailoverWorkingAreApplied() {
            InMemoryDiscovery discovery = new InMemoryDiscovery();
            try (DiscoveredRedis<String, String> redis = standalone(discovery)
                    .clientOptions(b -> b.pingBeforeActivateConnection(false).requestQueueSize(1000)).build()) {
                assertThat(redis.stats().mode()).isEqualTo(TopologyMode.STANDALONE);
            }
        }

        private DiscoveredRedisBuilder<String, String> standalone(InMemoryDiscovery discovery) {
            return DiscoveredRedis.builder().writeService("w").discovery(discovery).topology(TopologyMode.STANDALONE)
                    .failoverBudget(Duration.ZERO);
        }

        @Test
        void autoDetectionWithoutAnyNodeSaysWhatToDo() {
            InMemoryDiscovery discovery = new InMemoryDiscovery();
            assertThatThrownBy(() -> DiscoveredRedis.builder().writeService("w-master").discovery(discovery)
                    .password(SECRET).build())
                    .isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("w-master")
                    .hasMessageContaining("topology(STANDALONE or CLUSTER)")
                    .hasMessageNotContaining(SECRET);
            assertThat(discovery.isClosed()).as("a shared discovery is never closed").isFalse();
        }
    }

    @Nested
    class Secrets {

        @Test
        void thePasswordNeverShowsInToString() {
            DiscoveredRedisBuilder<String, String> b = DiscoveredRedis.builder().writeService("w").password(SECRET);
            assertThat(b.toString()).doesNotContain(SECRET).contains("password=****");
        }

        @Test
        void thePasswordNeverShowsInBuildErrors() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().password(SECRET).username("u").build())
                    .hasMessageNotContaining(SECRET);
            assertThatThrownBy(() -> DiscoveredRedis.builder().password(SECRET).writeService("w")
                    .discovery(new InMemoryDiscovery()).username("u").consulAgent("127.0.0.1:8500").build())
                    .hasMessageNotContaining(SECRET);
        }
    }
}
