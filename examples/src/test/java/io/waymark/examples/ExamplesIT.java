package io.waymark.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.discovery.DiscoveryMode;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.examples.demo.SeedDemoRunner;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.MariaDbReplication;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.ServiceSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every example runs against real servers, so that none of them can rot. */
class ExamplesIT {

    @Nested
    class ResolveAndWatchExample {

        @ParameterizedTest
        @EnumSource(DiscoveryMode.class)
        void seesBothInstancesThenOnlyTheOneStillPassing(DiscoveryMode mode) throws Exception {
            try (ConsulCluster consul = ConsulCluster.builder().servers(1).clientAgent("web-host").start()) {
                ConsulAgent agent = consul.clients().get(0);
                for (int i = 1; i <= 2; i++) {
                    agent.register(ServiceSpec.builder("web").id("web-" + i).address("127.0.0.1").port(8080 + i)
                            .ttlCheck(Duration.ofMinutes(5), "web-" + i + "-ttl").build());
                    agent.updateTtl("web-" + i + "-ttl", "passing");
                }
                consul.awaitPassing("web", 2, Duration.ofSeconds(30));

                List<Endpoints> seen = ResolveAndWatch.run(agent.httpAddress(), mode,
                        () -> agent.updateTtl("web-2-ttl", "critical"));

                assertThat(ports(seen.get(0))).containsExactlyInAnyOrder(8081, 8082);
                assertThat(ports(seen.get(1))).containsExactly(8081);
            }
        }

        private List<Integer> ports(Endpoints endpoints) {
            return endpoints.all().stream().map(Endpoint::port).toList();
        }
    }

    @Nested
    class RedisSwitchoverExample {

        @Test
        void everyIncrementIsAcknowledgedAndCountedOnTheNewMaster() throws Exception {
            try (RedisReplication redis = RedisReplication.builder().replicas(2).password("secret").start();
                    ConsulCluster consul = RedisSwitchover.agentsFor(redis)) {
                String target = redis.replicas().get(0).address();

                RedisSwitchover.Outcome o = RedisSwitchover.run(consul.clients().get(0).httpAddress(), redis);

                assertThat(o.errors()).isZero();
                assertThat(o.counter()).isEqualTo(Long.toString(o.writes()));
                assertThat(o.servedBy()).isEqualTo(target);
            }
        }
    }

    @Nested
    class JdbcSwitchoverExample {

        @Test
        void everyInsertIsAcknowledgedAndOnTheNewPrimaryAndReadsGoToTheReplica() throws Exception {
            try (MariaDbReplication db = MariaDbReplication.builder().replicas(1).database("shop")
                    .appUser("app", "apppass").start();
                    ConsulCluster consul = JdbcSwitchover.agentsFor(db)) {

                JdbcSwitchover.Outcome o = JdbcSwitchover.run(consul, db);

                // auto-commit inserts refused by the demoted primary are re-run on the new one
                assertThat(o.failed()).isZero();
                assertThat(o.acknowledged()).isEqualTo(600);
                assertThat(o.rowsOnNewPrimary()).isEqualTo(o.acknowledged());
                assertThat(o.readServerId()).isNotEqualTo(o.writeServerId());
            }
        }
    }

    @Nested
    class SeedDemo {

        @Test
        void theSeedScenarioFollowsAClusterFailoverWithoutAnErrorOrALostWrite() throws Exception {
            SeedDemoRunner.Outcome o = SeedDemoRunner.run("--check-interval=1s", "--duration=12s",
                    "--failover-after=4s", "--writers=2");

            assertThat(o.errors()).isZero();
            assertThat(o.wrongCounters()).isEmpty();
            assertThat(o.followed()).isTrue();
            assertThat(o.writes()).isPositive();
            assertThat(o.output()).contains("timeline (T = failover issued)", "tearing down");
        }
    }
}
