package io.waymark.redis;

/** Which kind of Redis deployment the discovered nodes form. */
public enum TopologyMode {
    /** Ask the first reachable node ({@code INFO cluster}, {@code cluster_enabled}). The default. */
    AUTO,
    /** One master and its replicas (standalone replication): writes go to the master that answers {@code ROLE} with master. */
    STANDALONE,
    /** Redis Cluster: the discovered masters seed Lettuce's cluster client, which routes by slot. */
    CLUSTER
}
