package io.waymark.benchmarks.failover;

import java.util.List;

/** One failover experiment on real servers, run for every client it compares. */
public interface Scenario {

    /** A title for the table, e.g. "Redis standalone, switchover, check interval 2s". */
    String title();

    /** How the gap is measured, in a sentence for the results file. */
    String gapDefinition();

    /**
     * Runs {@code failovers} failovers for each client, with {@code writers} threads writing
     * continuously, and returns one result per client, in a stable order.
     */
    List<ClientResult> run(HarnessSettings settings) throws Exception;
}
