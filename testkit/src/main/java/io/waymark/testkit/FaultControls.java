package io.waymark.testkit;

import java.time.Duration;

/**
 * What a test does to one server process of a fixture (a Redis node, a MariaDB node, a Consul
 * agent) to stand in for an outage: a crash ({@link #kill()}), a host that hangs or is cut off
 * ({@link #freeze()}: the process keeps its sockets, so clients connect and then hear nothing), a
 * graceful stop, and a restart. Every fault is undone by the fixture's {@code close()}: frozen
 * processes are continued and stopped, timed thaws are cancelled.
 *
 * <p>Threading: thread-safe; the controls of one node are serialized, a timed thaw runs on the
 * fixture's scheduler thread.
 */
public interface FaultControls {

    /** Whether the process is alive (frozen or not). */
    boolean isRunning();

    /** Graceful stop: SIGTERM, SIGKILL when it has not exited after a grace period. */
    void stop();

    /** Starts it again (after {@link #stop()} or {@link #kill()}) and waits until it serves. */
    void start();

    /** SIGKILL: a crash, no shutdown work; returns once the process is gone. */
    void kill();

    /**
     * SIGSTOP until {@link #thaw()}: returns once the process is stopped. Cancels a pending timed
     * thaw.
     *
     * @throws IllegalStateException when it is not running
     */
    void freeze();

    /**
     * SIGSTOP now and SIGCONT after {@code duration} (on the fixture's scheduler), unless it is
     * thawed, stopped, killed or restarted before; returns once the process is stopped.
     *
     * @throws IllegalStateException when it is not running
     */
    void freeze(Duration duration);

    /**
     * SIGCONT: it runs on from where it stopped, e.g. a frozen Redis master still believes it is
     * the master until told otherwise.
     *
     * @throws IllegalStateException when it is not running
     */
    void thaw();

    /** Frozen and not thawed since. */
    boolean isFrozen();

    /**
     * The former name of {@link #freeze()}, kept while other modules' tests move over.
     *
     * @deprecated use {@link #freeze()}
     */
    @Deprecated
    default void pause() {
        freeze();
    }

    /**
     * The former name of {@link #thaw()}, kept while other modules' tests move over.
     *
     * @deprecated use {@link #thaw()}
     */
    @Deprecated
    default void resume() {
        thaw();
    }
}
