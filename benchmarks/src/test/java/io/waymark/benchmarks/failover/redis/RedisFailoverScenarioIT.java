package io.waymark.benchmarks.failover.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ResultTable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@DisplayName("Redis standalone failover scenario, 2 switchovers with 2 writers per client")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisFailoverScenarioIT {

    private static final HarnessSettings SETTINGS = new HarnessSettings(2, 2, Duration.ofSeconds(2), Duration.ofSeconds(1));

    private final RedisStandaloneFailoverScenario scenario = new RedisStandaloneFailoverScenario();
    private List<ClientResult> results;

    @BeforeAll
    void runScenarioOnce() throws Exception {
        // one run on real servers feeds every assertion: the run is what costs
        results = scenario.run(SETTINGS);
    }

    @Nested
    @DisplayName("the result shape")
    class Shape {

        @Test
        void hasOneResultPerClientInAStableOrder() {
            assertThat(results).extracting(ClientResult::client).containsExactly("Waymark DiscoveredRedis",
                    "Lettuce MasterReplica (static nodes)", "kiwi ServiceHealthCache + Lettuce",
                    "Consul DNS on (re)connect + Lettuce");
        }

        @Test
        void recordsOneGapPerSwitchoverForEveryClient() {
            assertThat(results).allSatisfy(r -> assertThat(r.gapsMillis()).hasSize(SETTINGS.failovers()));
        }

        @Test
        void countsAcknowledgedWritesForEveryClient() {
            assertThat(results).allSatisfy(r -> {
                assertThat(r.writes()).as(r.client()).isPositive();
                assertThat(r.callerErrors()).as(r.client()).isNotNegative();
            });
        }

        @Test
        void rendersATableRowPerClient() {
            String table = ResultTable.markdown(scenario, SETTINGS, results);
            assertThat(table).contains(scenario.gapDefinition());
            results.forEach(r -> assertThat(table).contains("| " + r.client() + " |"));
        }
    }

    @Nested
    @DisplayName("Waymark")
    class Waymark {

        private ClientResult waymark() {
            return results.get(0);
        }

        @Test
        void hadNoWriteAcceptedByAReplica() {
            assertThat(waymark().writesAcceptedByReplica()).isZero();
        }

        @Test
        void lostNoAcknowledgedWrite() {
            assertThat(waymark().acknowledgedLost()).isZero();
        }
    }
}
