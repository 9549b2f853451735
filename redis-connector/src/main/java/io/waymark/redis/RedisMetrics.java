package io.waymark.redis;

import java.time.Duration;

/**
 * Hooks for metrics (Micrometer or anything else); every method has a no-op default,
 * so an implementation overrides only what it records. Gauges such as the current
 * masters are read from {@link DiscoveredRedis#stats()}. The hooks are called in
 * standalone mode; in cluster mode Lettuce routes and redirects on its own and only
 * {@link DiscoveredRedis#stats()} reports.
 *
 * <p><b>Threading:</b> called from the connector's topology thread and from Lettuce's
 * I/O threads; implementations must be thread-safe and must not block.
 */
public interface RedisMetrics {

    /** A no-op instance. */
    RedisMetrics NONE = new RedisMetrics() {
    };

    /**
     * The fenced master changed (standalone mode).
     *
     * @param from the previous master's {@code host:port}, or {@code null} if there was none
     * @param to the new master's {@code host:port}, or {@code null} while no node proved to be master
     */
    default void masterChanged(String from, String to) {
    }

    /** A write was retried on another node after {@code reason} (a READONLY reply, a refused connection...). */
    default void writeRetried(String command, String reason) {
    }

    /** A writable master is back after a time without one. */
    default void writableMasterRestored(Duration withoutMaster) {
    }
}
