package io.waymark.benchmarks.failover.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ScenarioRun;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Issue 13's scenario 6 in the harness: one short run per fault feeds every assertion of its group. */
class JdbcUnplannedFailoverScenarioIT {

    /** What every run must show, whatever the fault. */
    abstract static class Run extends ScenarioRun {

        Run(JdbcUnplannedFailoverScenario.Fault fault, int failovers) {
            super(new JdbcUnplannedFailoverScenario(fault),
                    new HarnessSettings(failovers, 2, Duration.ofSeconds(2), Duration.ofSeconds(1)),
                    "Waymark jdbc:consul: + HikariCP", "HikariCP, fixed jdbc:mariadb: URL repointed by an operator");
        }

        @Test
        void theOperatorRepointedThePoolAtEveryFailover() {
            assertThat(results.get(1).note()).startsWith(settings.failovers() + " repoints");
        }

        @Test
        void waymarkWroteOnEveryPromotedReplica() {
            assertThat(waymark().gapsMillis()).as("-1: no insert on the promoted replica").allMatch(g -> g >= 0);
        }

        /** At most the inserts in flight at the failure: one per writer and failover. */
        @Test
        void waymarkFailedOnlyWhatWasInFlight() {
            assertThat(waymark().callerErrors()).as(waymark().note())
                    .isLessThanOrEqualTo((long) settings.writers() * settings.failovers());
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("primary killed, 2 failovers with 2 writers per client")
    class Killed extends Run {

        Killed() {
            super(JdbcUnplannedFailoverScenario.Fault.KILL, 2);
        }

        @Test
        void aKilledPrimaryTakesNothingAfterThePromotion() {
            assertThat(results).allSatisfy(r -> assertThat(r.writesAcceptedByReplica()).isZero());
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("primary frozen, 1 failover with 2 writers per client")
    class Frozen extends Run {

        Frozen() {
            super(JdbcUnplannedFailoverScenario.Fault.FREEZE, 1);
        }

        /** What a woken primary runs is what was in its socket buffers: for Waymark, inserts that had failed. */
        @Test
        void whatTheWokenPrimaryTookWasNeverAcknowledgedToWaymarksCallers() {
            assertThat(waymark().writesAcceptedByReplica()).isLessThanOrEqualTo(waymark().callerErrors());
            if (waymark().writesAcceptedByReplica() > 0) {
                assertThat(waymark().note()).contains("0 of the " + waymark().writesAcceptedByReplica() + " writes only");
            }
        }
    }
}
