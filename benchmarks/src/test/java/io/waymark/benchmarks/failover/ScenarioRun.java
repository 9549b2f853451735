package io.waymark.benchmarks.failover;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A scenario run once on real servers, whose results every test of the class checks (the run is what
 * costs), and what every scenario's results must show: one result per client in a stable order, one gap
 * per failover, counters that add up, a table row per client, and no acknowledged write lost by Waymark
 * (the first client).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ScenarioRun {

    protected final Scenario scenario;
    protected final HarnessSettings settings;
    private final List<String> clients;
    protected List<ClientResult> results;

    /** {@code clients}: the names the scenario's results must have, in order. */
    protected ScenarioRun(Scenario scenario, HarnessSettings settings, String... clients) {
        this.scenario = scenario;
        this.settings = settings;
        this.clients = List.of(clients);
    }

    @BeforeAll
    void runScenarioOnce() throws Exception {
        results = scenario.run(settings);
        System.out.println(ResultTable.markdown(scenario, settings, results));
    }

    protected ClientResult waymark() {
        return results.get(0);
    }

    @Test
    void hasOneResultPerClientInAStableOrder() {
        assertThat(results).extracting(ClientResult::client).containsExactlyElementsOf(clients);
    }

    @Test
    void recordsOneGapPerFailoverForEveryClient() {
        assertThat(results).allSatisfy(r -> assertThat(r.gapsMillis()).hasSize(settings.failovers()));
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
    void rendersATableRowPerClient() {
        String table = ResultTable.markdown(scenario, settings, results);
        assertThat(table).contains(scenario.gapDefinition());
        results.forEach(r -> assertThat(table).contains("| " + r.client() + " |"));
    }

    @Test
    void waymarkLostNoAcknowledgedWrite() {
        assertThat(waymark().acknowledgedLost()).isZero();
    }
}
