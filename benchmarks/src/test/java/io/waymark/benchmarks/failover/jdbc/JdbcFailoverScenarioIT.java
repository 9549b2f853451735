package io.waymark.benchmarks.failover.jdbc;

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

@DisplayName("JDBC failover scenario, 2 switchovers with 2 writers per client")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcFailoverScenarioIT {

    private static final HarnessSettings SETTINGS = new HarnessSettings(2, 2, Duration.ofSeconds(2), Duration.ofSeconds(1));

    private final JdbcFailoverScenario scenario = new JdbcFailoverScenario();
    private List<ClientResult> results;

    @BeforeAll
    void runScenarioOnce() throws Exception {
        // one run on real servers feeds every assertion: the run is what costs
        results = scenario.run(SETTINGS);
        System.out.println(ResultTable.markdown(scenario, SETTINGS, results));
    }

    @Nested
    @DisplayName("the result shape")
    class Shape {

        @Test
        void hasOneResultPerClientInAStableOrder() {
            assertThat(results).extracting(ClientResult::client).containsExactly("Waymark jdbc:consul: + HikariCP",
                    "HikariCP, fixed jdbc:mariadb: URL repointed by an operator");
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
                assertThat(r.writesAcceptedByReplica()).as(r.client()).isNotNegative();
            });
        }

        @Test
        void theOperatorRepointedThePoolAtEverySwitchover() {
            assertThat(results.get(1).note()).startsWith(SETTINGS.failovers() + " repoints");
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
        void lostNoAcknowledgedWrite() {
            assertThat(waymark().acknowledgedLost()).isZero();
        }

        @Test
        void hadNoWriteAcceptedByAReplica() {
            assertThat(waymark().writesAcceptedByReplica()).isZero();
        }

        @Test
        void showedNoErrorToItsCallers() {
            assertThat(waymark().callerErrors()).as(waymark().note()).isZero();
        }

        @Test
        void wroteOnEveryNewPrimary() {
            assertThat(waymark().gapsMillis()).as("-1: no insert on the new primary").allMatch(g -> g >= 0);
        }
    }
}
