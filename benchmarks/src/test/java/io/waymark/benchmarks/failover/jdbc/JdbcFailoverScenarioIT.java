package io.waymark.benchmarks.failover.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ScenarioRun;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("JDBC failover scenario, 2 switchovers with 2 writers per client")
class JdbcFailoverScenarioIT extends ScenarioRun {

    JdbcFailoverScenarioIT() {
        super(new JdbcFailoverScenario(), new HarnessSettings(2, 2, Duration.ofSeconds(2), Duration.ofSeconds(1)),
                "Waymark jdbc:consul: + HikariCP", "HikariCP, fixed jdbc:mariadb: URL repointed by an operator");
    }

    @Test
    void theOperatorRepointedThePoolAtEverySwitchover() {
        assertThat(results.get(1).note()).startsWith(settings.failovers() + " repoints");
    }

    @Test
    void waymarkHadNoWriteAcceptedByAReplica() {
        assertThat(waymark().writesAcceptedByReplica()).isZero();
    }

    @Test
    void waymarkShowedNoErrorToItsCallers() {
        assertThat(waymark().callerErrors()).as(waymark().note()).isZero();
    }

    @Test
    void waymarkWroteOnEveryNewPrimary() {
        assertThat(waymark().gapsMillis()).as("-1: no insert on the new primary").allMatch(g -> g >= 0);
    }
}
