package io.waymark.benchmarks.failover.redis;

/** The sentences that say how the Redis scenarios measure, for the results file. */
final class Definitions {

    static final String GAP = "the longest pause between two consecutive acknowledged writes (all writer threads of "
            + "the client merged; in cluster mode only keys of the failed-over shard) from the failover being "
            + "issued to the first write acknowledged after the fixture completed it; \"never\" (-1) when no write "
            + "was acknowledged within " + FailoverRun.RECOVERY_TIMEOUT.toSeconds() + " s of the issue.";

    static final String COUNTERS = "Each writer INCRs keys of its own, so its acknowledged results on a key must "
            + "rise: a result not above the previous acknowledged one is counted as a write accepted by a "
            + "replica (the node lacked acknowledged writes). Acknowledged writes lost = per key, acknowledged "
            + "INCRs (or the highest acknowledged result) minus the final value read from the master directly. "
            + "Caller errors = exceptions thrown to the writers.";

    private Definitions() {
    }
}
