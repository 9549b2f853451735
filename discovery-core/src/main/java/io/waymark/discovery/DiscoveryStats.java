package io.waymark.discovery;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * A snapshot of a {@link ConsulDiscovery}'s counters, from {@link ConsulDiscovery#stats()}.
 * Counters only grow from the moment the discovery was built; a metrics binder reports
 * their differences. Nothing here costs the cached {@code resolve} path: the counters are
 * kept by the requests to Consul, and the gauges are computed when the snapshot is taken.
 *
 * <p><b>Threading:</b> immutable. The counters of one snapshot are read one after another,
 * not atomically together.
 */
public final class DiscoveryStats {

    /** Why a request to Consul failed. */
    public enum ErrorKind {
        /** No answer within the request timeout, or the agent failed its probes and the request was cancelled. */
        TIMEOUT,
        /** The connection could not be made or broke (refused, reset, TLS, DNS I/O). */
        CONNECTION,
        /** The agent answered 5xx or 429: no cluster leader, overloaded, internal error. */
        SERVER_ERROR,
        /** The agent answered 403: the ACL token is missing, unknown, expired or lacks a permission. */
        ACL_DENIED,
        /** Anything else: another 4xx, an unreadable answer, a token that cannot be sent, a full executor. */
        OTHER
    }

    static final DiscoveryStats EMPTY = new DiscoveryStats(0, 0, new long[ErrorKind.values().length], 0, 0,
            Duration.ZERO, 0, 0, 0, 0);

    private final int watchedNames;
    private final long requests;
    private final long[] errors;
    private final long blockingQueries;
    private final long changesPublished;
    private final Duration oldestStale;
    private final long agentRotations;
    private final long aclEmptySuspicions;
    private final long watchesEvicted;
    private final long uncachedLookups;

    DiscoveryStats(int watchedNames, long requests, long[] errors, long blockingQueries, long changesPublished,
            Duration oldestStale, long agentRotations, long aclEmptySuspicions, long watchesEvicted,
            long uncachedLookups) {
        this.watchedNames = watchedNames;
        this.requests = requests;
        this.errors = errors.clone();
        this.blockingQueries = blockingQueries;
        this.changesPublished = changesPublished;
        this.oldestStale = Objects.requireNonNull(oldestStale, "oldestStale");
        this.agentRotations = agentRotations;
        this.aclEmptySuspicions = aclEmptySuspicions;
        this.watchesEvicted = watchesEvicted;
        this.uncachedLookups = uncachedLookups;
    }

    /** Names watched now (each kept in memory by a background watch), at most the builder's {@code maxWatches}. */
    public int watchedNames() {
        return watchedNames;
    }

    /** Requests sent to Consul (HTTP requests or DNS lookups; agent probes not included). */
    public long requests() {
        return requests;
    }

    /** Requests that failed, for any reason. */
    public long errors() {
        return Arrays.stream(errors).sum();
    }

    /** Requests that failed for this reason. */
    public long errors(ErrorKind kind) {
        return errors[kind.ordinal()];
    }

    /** Blocking queries that came back with an answer (a change, or the wait ran out). */
    public long blockingQueries() {
        return blockingQueries;
    }

    /** Answers that changed a name's set of endpoints (each is what listeners are told of). */
    public long changesPublished() {
        return changesPublished;
    }

    /**
     * How long ago Consul last confirmed the oldest answer now served stale; {@link Duration#ZERO}
     * when no name is stale.
     */
    public Duration oldestStale() {
        return oldestStale;
    }

    /** Times the watches moved to the next configured agent because the current one failed. */
    public long agentRotations() {
        return agentRotations;
    }

    /**
     * Empty answers not published because the name had instances and the agent says the ACL
     * token may not read the service: the last endpoints were kept, marked stale.
     */
    public long aclEmptySuspicions() {
        return aclEmptySuspicions;
    }

    /** Idle watches stopped to make room for another name at the {@code maxWatches} cap. */
    public long watchesEvicted() {
        return watchesEvicted;
    }

    /** Lookups answered by a one-shot request, not kept, because every watch at the cap has a listener. */
    public long uncachedLookups() {
        return uncachedLookups;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("DiscoveryStats{watchedNames=").append(watchedNames)
                .append(", requests=").append(requests).append(", errors={");
        for (ErrorKind k : ErrorKind.values()) {
            b.append(k == ErrorKind.TIMEOUT ? "" : ", ").append(k).append('=').append(errors[k.ordinal()]);
        }
        return b.append("}, blockingQueries=").append(blockingQueries)
                .append(", changesPublished=").append(changesPublished)
                .append(", oldestStale=").append(oldestStale)
                .append(", agentRotations=").append(agentRotations)
                .append(", aclEmptySuspicions=").append(aclEmptySuspicions)
                .append(", watchesEvicted=").append(watchesEvicted)
                .append(", uncachedLookups=").append(uncachedLookups).append('}').toString();
    }
}
