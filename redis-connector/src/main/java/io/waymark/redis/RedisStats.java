package io.waymark.redis;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of a {@link DiscoveredRedis}'s state, for gauges and health
 * checks.
 */
public final class RedisStats {

    private final TopologyMode mode;
    private final List<String> masters;
    private final List<String> replicas;
    private final long failoversSeen;
    private final long writeRetries;
    private final long outcomeUnknownFailures;
    private final long twoMastersEpisodes;
    private final Duration timeWithoutWritableMaster;

    /** Made by the connector; the arguments are what the accessors return. */
    public RedisStats(TopologyMode mode, List<String> masters, List<String> replicas, long failoversSeen,
            long writeRetries, long outcomeUnknownFailures, long twoMastersEpisodes, Duration timeWithoutWritableMaster) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.masters = List.copyOf(masters);
        this.replicas = List.copyOf(replicas);
        this.failoversSeen = failoversSeen;
        this.writeRetries = writeRetries;
        this.outcomeUnknownFailures = outcomeUnknownFailures;
        this.twoMastersEpisodes = twoMastersEpisodes;
        this.timeWithoutWritableMaster = Objects.requireNonNull(timeWithoutWritableMaster, "timeWithoutWritableMaster");
    }

    /** {@link TopologyMode#STANDALONE} or {@link TopologyMode#CLUSTER}, as detected or configured. */
    public TopologyMode mode() {
        return mode;
    }

    /** {@code host:port} of the masters that currently take writes (at most one in standalone mode). */
    public List<String> masters() {
        return masters;
    }

    /** {@code host:port} of the replicas that currently take reads. */
    public List<String> replicas() {
        return replicas;
    }

    /** How many times a master changed from one node to another (cluster mode: topology changes seen by Lettuce). */
    public long failoversSeen() {
        return failoversSeen;
    }

    /**
     * How many commands were retried because the node certainly did not run them: on another node in
     * standalone mode; after CLUSTERDOWN, TRYAGAIN and the like in cluster mode (Lettuce follows MOVED/ASK
     * itself, uncounted).
     */
    public long writeRetries() {
        return writeRetries;
    }

    /**
     * How many commands failed to their caller with their outcome unknown: they may have run (a timeout, a
     * connection lost with the command in flight, a multi-key command split across cluster slots that failed
     * in part), so they were not sent again, and the exception said so. Reads are not counted.
     */
    public long outcomeUnknownFailures() {
        return outcomeUnknownFailures;
    }

    /**
     * How many times several nodes answered {@code ROLE} master at once for longer than a switchover's
     * overlap (standalone mode; 0 in cluster mode, where Redis itself settles slot ownership). Each episode is
     * logged at WARN once; writes meanwhile go to one of them, chosen the same way by every client (listed in
     * Consul, highest replication offset, never an empty node over one with data).
     */
    public long twoMastersEpisodes() {
        return twoMastersEpisodes;
    }

    /** Total time without a writable master since build(), the current gap included (standalone mode). */
    public Duration timeWithoutWritableMaster() {
        return timeWithoutWritableMaster;
    }

    @Override
    public String toString() {
        return "RedisStats{mode=" + mode + ", masters=" + masters + ", replicas=" + replicas + ", failoversSeen="
                + failoversSeen + ", writeRetries=" + writeRetries + ", outcomeUnknownFailures=" + outcomeUnknownFailures
                + ", twoMastersEpisodes=" + twoMastersEpisodes
                + ", timeWithoutWritableMaster="
                + timeWithoutWritableMaster + '}';
    }
}
