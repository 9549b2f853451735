package io.waymark.jdbc;

/**
 * What happened to the {@code jdbc:consul:} connections of one primary service in this JVM, from
 * {@link ConsulDriver#stats(String)} or {@link ConsulDataSource#stats()}: counters that only grow
 * from the moment the first connection to that service was opened (a metrics binder reports their
 * differences). Every connection whose URL names the same primary Consul service counts here,
 * whatever pool or data source it belongs to. Nothing is counted on the path of a statement that
 * runs normally: only failovers, probes and refusals touch these counters.
 *
 * <p><b>Threading:</b> immutable. The counters of one snapshot are read one after another, not
 * atomically together.
 */
public final class JdbcStats {

    private final long failovers;
    private final long statementsReRun;
    private final long probes;
    private final long connectionsInvalidated;
    private final long connectionsCutOff;
    private final long splitBrains;

    JdbcStats(long failovers, long statementsReRun, long probes, long connectionsInvalidated, long connectionsCutOff,
            long splitBrains) {
        this.failovers = failovers;
        this.statementsReRun = statementsReRun;
        this.probes = probes;
        this.connectionsInvalidated = connectionsInvalidated;
        this.connectionsCutOff = connectionsCutOff;
        this.splitBrains = splitBrains;
    }

    /** Times a connection verified a primary on another server than the one verified before it. */
    public long failovers() {
        return failovers;
    }

    /** Statements a demoted primary refused as read-only (so did not run) that ran again on the new one. */
    public long statementsReRun() {
        return statementsReRun;
    }

    /** Servers asked {@code @@read_only} directly during failovers ({@code consul.probeKnownNodes}). */
    public long probes() {
        return probes;
    }

    /**
     * Connections that turned invalid: their server left Consul's healthy instances of its role,
     * refused a write as read-only, or broke (pools evict them).
     */
    public long connectionsInvalidated() {
        return connectionsInvalidated;
    }

    /**
     * Connections to a primary that stopped answering (frozen, cut off), closed by the driver once
     * another server answered writable; what they had in flight failed with an unknown outcome.
     */
    public long connectionsCutOff() {
        return connectionsCutOff;
    }

    /** Split-brain episodes: times two or more servers answered {@code @@read_only = 0} at once. */
    public long splitBrains() {
        return splitBrains;
    }

    @Override
    public String toString() {
        return "JdbcStats{failovers=" + failovers + ", statementsReRun=" + statementsReRun + ", probes=" + probes
                + ", connectionsInvalidated=" + connectionsInvalidated + ", connectionsCutOff=" + connectionsCutOff
                + ", splitBrains=" + splitBrains + "}";
    }
}
