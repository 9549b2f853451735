package io.waymark.benchmarks.failover;

import java.util.List;
import java.util.Locale;

/** Renders a scenario's results as a Markdown table, with each client's p99 gap as a ratio to the best. */
public final class ResultTable {

    private ResultTable() {
    }

    public static String markdown(Scenario scenario, HarnessSettings settings, List<ClientResult> results) {
        long best = results.stream().mapToLong(r -> r.gapPercentile(99)).filter(g -> g >= 0).min().orElse(-1);
        StringBuilder sb = new StringBuilder();
        sb.append("### ").append(scenario.title()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "%d failovers, %d writer threads, Consul check interval %ds. Gap: %s%n%n",
                settings.failovers(), settings.writers(), settings.checkInterval().toSeconds(), scenario.gapDefinition()));
        sb.append("| client | gap p50 ms | gap p99 ms | gap max ms | p99 vs best | writes | caller errors"
                + " | writes accepted by a replica | acknowledged writes lost | note |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (ClientResult r : results) {
            long p99 = r.gapPercentile(99);
            String ratio = best <= 0 || p99 < 0 ? "-" : String.format(Locale.ROOT, "%.1fx", (double) p99 / best);
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %d | %d | %d | %s |%n", r.client(),
                    ms(r.gapPercentile(50)), ms(p99), ms(r.gapMax()), ratio, r.writes(), r.callerErrors(),
                    r.writesAcceptedByReplica(), r.acknowledgedLost(), r.note() == null ? "" : r.note()));
        }
        return sb.toString();
    }

    private static String ms(long v) {
        return v < 0 ? "never" : Long.toString(v);
    }
}
