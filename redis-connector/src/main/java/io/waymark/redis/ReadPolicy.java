package io.waymark.redis;

import io.lettuce.core.ReadFrom;
import java.util.Locale;
import java.util.Objects;

/**
 * Where read-only commands go, in the spirit of Lettuce's {@link ReadFrom}. Write
 * commands always go to the fenced master, whatever the policy.
 *
 * <p>Replicas are the nodes of the builder's read service that answer {@code ROLE}
 * with replica; without a read service only {@link #MASTER} is allowed (reads then go
 * to the master). In every policy a node whose connection is down is skipped, so one
 * dead replica never fails a read that another node can serve.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ReadPolicy {

    /** Reads go to the master only. */
    public static final ReadPolicy MASTER = new ReadPolicy("MASTER", ReadFrom.UPSTREAM, false, true, false);
    /** Reads go to the master; to a replica while there is no reachable master. */
    public static final ReadPolicy MASTER_PREFERRED =
            new ReadPolicy("MASTER_PREFERRED", ReadFrom.UPSTREAM_PREFERRED, true, true, false);
    /** Reads go to replicas only; they fail while no replica is reachable. */
    public static final ReadPolicy REPLICA = new ReadPolicy("REPLICA", ReadFrom.REPLICA, true, false, true);
    /** Reads go to replicas, round robin; to the master while no replica is reachable. */
    public static final ReadPolicy REPLICA_PREFERRED =
            new ReadPolicy("REPLICA_PREFERRED", ReadFrom.REPLICA_PREFERRED, true, true, true);
    /** Reads go to any reachable node, master or replica, round robin. */
    public static final ReadPolicy ANY = new ReadPolicy("ANY", ReadFrom.ANY, true, true, false);

    private static final ReadPolicy[] ALL = {MASTER, MASTER_PREFERRED, REPLICA, REPLICA_PREFERRED, ANY};

    private final String name;
    private final ReadFrom readFrom;
    private final boolean usesReplicas;
    private final boolean usesMaster;
    private final boolean replicasFirst;

    private ReadPolicy(String name, ReadFrom readFrom, boolean usesReplicas, boolean usesMaster, boolean replicasFirst) {
        this.name = name;
        this.readFrom = readFrom;
        this.usesReplicas = usesReplicas;
        this.usesMaster = usesMaster;
        this.replicasFirst = replicasFirst;
    }

    /**
     * The policy of that name (case-insensitive, {@code -} or {@code _}), for configuration files.
     *
     * @throws IllegalArgumentException naming the value and the known names
     */
    public static ReadPolicy valueOf(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ReadPolicy p : ALL) {
            if (p.name.equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("readFrom must be one of MASTER, MASTER_PREFERRED, REPLICA, "
                + "REPLICA_PREFERRED, ANY: '" + name + "'");
    }

    /** The name of the constant. */
    public String name() {
        return name;
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

    @Override
    public String toString() {
        return name;
    }
}
