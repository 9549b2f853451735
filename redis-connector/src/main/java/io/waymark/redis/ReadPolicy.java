package io.waymark.redis;

import io.lettuce.core.ReadFrom;
import java.util.Locale;
import java.util.Objects;

/**
 * Where read-only commands go: one of five fixed policies, named as Lettuce's {@link ReadFrom}
 * constants are. Write commands always go to the fenced master, whatever the policy.
 *
 * <p>Replicas are the nodes of the builder's read service that answer {@code ROLE} with
 * replica; without a read service only {@link #MASTER} is allowed (reads then go to the
 * master). In every policy a node whose connection is down is skipped, so one dead replica
 * never fails a read that another node can serve. In standalone mode each topology snapshot
 * precomputes every policy's order, so that picking a node allocates nothing; in cluster mode
 * the policy is handed to Lettuce as {@link #toReadFrom()}. An arbitrary {@code ReadFrom}
 * strategy is not accepted: standalone routing could not precompute it.
 *
 * <p><b>Threading:</b> immutable and thread-safe.
 */
public enum ReadPolicy {

    /** Reads go to the master only. */
    MASTER(ReadFrom.UPSTREAM, false, true, false),
    /** Reads go to the master; to a replica while there is no reachable master. */
    MASTER_PREFERRED(ReadFrom.UPSTREAM_PREFERRED, true, true, false),
    /** Reads go to replicas only; they fail while no replica is reachable. */
    REPLICA(ReadFrom.REPLICA, true, false, true),
    /** Reads go to replicas, round robin; to the master while no replica is reachable. */
    REPLICA_PREFERRED(ReadFrom.REPLICA_PREFERRED, true, true, true),
    /** Reads go to any reachable node, master or replica, round robin. */
    ANY(ReadFrom.ANY, true, true, false);

    private final ReadFrom readFrom;
    private final boolean usesReplicas;
    private final boolean usesMaster;
    private final boolean replicasFirst;

    ReadPolicy(ReadFrom readFrom, boolean usesReplicas, boolean usesMaster, boolean replicasFirst) {
        this.readFrom = readFrom;
        this.usesReplicas = usesReplicas;
        this.usesMaster = usesMaster;
        this.replicasFirst = replicasFirst;
    }

    /**
     * The policy of that name as configuration files write it: any case, {@code -} or {@code _},
     * surrounding blanks ignored ({@link #valueOf} wants the exact constant name).
     *
     * @throws IllegalArgumentException naming the value and the known names
     */
    public static ReadPolicy parse(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ReadPolicy p : values()) {
            if (p.name().equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("readFrom must be one of MASTER, MASTER_PREFERRED, REPLICA, "
                + "REPLICA_PREFERRED, ANY: '" + name + "'");
    }

    /** The equivalent Lettuce setting, used in cluster mode. */
    public ReadFrom toReadFrom() {
        return readFrom;
    }

    /** Whether this policy may send reads to replicas at all. */
    public boolean usesReplicas() {
        return usesReplicas;
    }

    /** Whether this policy may send reads to the master. */
    public boolean usesMaster() {
        return usesMaster;
    }

    /** Whether replicas are tried before the master. */
    public boolean replicasFirst() {
        return replicasFirst;
    }
}
