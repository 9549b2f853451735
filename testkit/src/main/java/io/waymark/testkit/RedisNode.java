package io.waymark.testkit;

/**
 * One redis-server process of a {@link RedisReplication} or {@link RedisCluster}, on its own
 * loopback address, AUTH on, no persistence.
 *
 * <p>Threading: thread-safe; fault controls are serialized per node.
 */
public interface RedisNode extends FaultControls {

    /** Its 127.0.0.x address. */
    String host();

    int port();

    /** "host:port". */
    String address();

    /** Pid of the current (or last) process. */
    long pid();

    /** "master" or "slave", from the ROLE command. */
    String role();

    /** Graceful stop (SIGTERM). No persistence: a restarted node comes back empty. */
    @Override
    void stop();

    /**
     * Restarts with the same config: a replica of the node it currently follows (a master that was
     * replaced while it was down comes back as a replica of its successor; a Redis Cluster node
     * rejoins with its cluster config, so a failed-over master comes back as a replica). No
     * persistence: it comes back empty and resyncs; a standalone master restarted before anyone
     * was promoted comes back an empty master, and its replicas resync to empty.
     */
    @Override
    void start();
}
