package io.waymark.testkit;

/**
 * One redis-server process of a {@link RedisReplication} or {@link RedisCluster}, on its own
 * loopback address, AUTH on.
 *
 * <p>Threading: thread-safe; fault controls are serialized per node.
 */
public interface RedisNode {

    /** Its 127.0.0.x address. */
    String host();

    int port();

    /** "host:port". */
    String address();

    /** Pid of the current (or last) process. */
    long pid();

    boolean isRunning();

    /** "master" or "slave", from the ROLE command. */
    String role();

    /** Graceful stop (SIGTERM). No persistence: a restarted node comes back empty. */
    void stop();

    /** Restarts with the same config (a replica of the node it currently follows). */
    void start();

    /** SIGKILL. */
    void kill();

    /** SIGSTOP. */
    void pause();

    /** SIGCONT. */
    void resume();
}
