package io.waymark.testkit;

/**
 * One mariadbd process of a {@link MariaDbReplication}, on its own loopback address.
 *
 * <p>Threading: thread-safe; fault controls are serialized per node.
 */
public interface MariaDbNode extends FaultControls {

    /** Its 127.0.0.x address. */
    String host();

    int port();

    /** "host:port". */
    String address();

    /** Pid of the current (or last) process. */
    long pid();

    /** {@code SELECT @@read_only}: true on replicas. */
    boolean isReadOnly();

    /**
     * Restarts with the same data dir and its current role: replicas come back read-only and
     * replicating; a primary replaced by an outside promotion comes back read-only and detached
     * (it may hold transactions nobody else has).
     */
    @Override
    void start();
}
