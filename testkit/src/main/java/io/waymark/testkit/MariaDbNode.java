package io.waymark.testkit;

/**
 * One mariadbd process of a {@link MariaDbReplication}, on its own loopback address.
 *
 * <p>Threading: thread-safe; fault controls are serialized per node.
 */
public interface MariaDbNode {

    /** Its 127.0.0.x address. */
    String host();

    int port();

    /** "host:port". */
    String address();

    /** Pid of the current (or last) process. */
    long pid();

    boolean isRunning();

    /** {@code SELECT @@read_only}: true on replicas. */
    boolean isReadOnly();

    /** Graceful stop (SIGTERM). */
    void stop();

    /** Restarts with the same data dir and its current role (replicas come back read-only). */
    void start();

    /** SIGKILL. */
    void kill();

    /** SIGSTOP. */
    void pause();

    /** SIGCONT. */
    void resume();
}
