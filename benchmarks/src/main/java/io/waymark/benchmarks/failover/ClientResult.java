package io.waymark.benchmarks.failover;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What one client saw over all failovers of a scenario: the write gap of each failover
 * (from the failover being issued to the first acknowledged write on the new primary/master,
 * or the longest pause between two acknowledged writes, as the scenario documents), the
 * errors its callers saw, writes that a replica accepted, and acknowledged writes missing at
 * the end.
 */
public record ClientResult(String client, List<Long> gapsMillis, long writes, long callerErrors,
        long writesAcceptedByReplica, long acknowledgedLost, String note) {

    public ClientResult {
        gapsMillis = List.copyOf(gapsMillis);
    }

    /**
     * The p-th percentile (nearest rank) of the gaps; -1 ("never") when no gap was recorded
     * or the rank falls on a failover the client never recovered from, which ranks worst.
     */
    public long gapPercentile(double p) {
        if (gapsMillis.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(gapsMillis);
        sorted.sort(Comparator.comparingLong(ClientResult::rankOf));
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** The largest gap, or -1 ("never") if the client did not recover from some failover. */
    public long gapMax() {
        return gapPercentile(100);
    }

    private static long rankOf(long gap) {
        return gap < 0 ? Long.MAX_VALUE : gap;
    }
}
