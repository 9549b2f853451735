package io.waymark.redis;

import java.time.Duration;

/**
 * Hooks for metrics (Micrometer or anything else); every method has a no-op default,
 * so an implementation overrides only what it records. Gauges such as the current
 * masters are read from {@link DiscoveredRedis#stats()}. In cluster mode
 * {@link #masterChanged} and {@link #writeRetried} are called too (a master replaced in
 * Lettuce's view of the cluster; a command retried after CLUSTERDOWN, TRYAGAIN...), while
 * {@link #writableMasterRestored} is standalone only.
 *
 * <p><b>Threading:</b> called from the connector's topology thread and from Lettuce's
 * I/O threads; implementations must be thread-safe and must not block. What a hook throws
 * is logged (WARN the first time) and ignored: it never reaches routing or a caller.
 */
public interface RedisMetrics {

    /** A no-op instance. */
    RedisMetrics NONE = new RedisMetrics() {
    };

    /**
     * The fenced master changed (standalone mode), or a slot-serving master was replaced by
     * another (cluster mode, once per replaced master).
     *
     * @param from the previous master's {@code host:port}, or {@code null} if there was none
     * @param to the new master's {@code host:port}, or {@code null} while no node proved to be master
     */
    default void masterChanged(String from, String to) {
    }

    /**
     * A command was retried after {@code reason} (a READONLY, CLUSTERDOWN or TRYAGAIN reply, a refused
     * connection...), on another node or, in cluster mode, after a topology refresh.
     */
    default void writeRetried(String command, String reason) {
    }

    /** A writable master is back after a time without one. */
    default void writableMasterRestored(Duration withoutMaster) {
    }
}
