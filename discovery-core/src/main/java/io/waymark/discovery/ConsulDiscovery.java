package io.waymark.discovery;

import java.util.concurrent.CompletableFuture;

/**
 * Where a Consul service lives, now and as it changes.
 *
 * <p>A discovery client resolves Consul names (every form Consul DNS accepts, see
 * {@link ServiceQuery}) either through blocking queries on the agent's HTTP API
 * ({@link DiscoveryMode#HTTP}, the default) or through the agent's DNS interface
 * ({@link DiscoveryMode#DNS}). The first lookup of a name blocks (bounded by the
 * builder's resolve timeout); from then on a background watch keeps the name's
 * endpoints in memory and {@link #resolve(String)} answers from there without I/O.
 *
 * <p>When Consul becomes unreachable, the last known endpoints keep being served,
 * marked {@link Endpoints#stale() stale}; callers never get an exception for a name
 * that was known once.
 *
 * <pre>{@code
 * try (ConsulDiscovery discovery = ConsulDiscovery.builder().agent("127.0.0.11:8500").build()) {
 *     Endpoints masters = discovery.resolve("w-master-redis-8888.service.consul");
 *     Watch w = discovery.watch("r-slave-redis-8888", endpoints -> System.out.println(endpoints.all()));
 * }
 * }</pre>
 *
 * <p><b>Threading:</b> implementations are thread-safe. {@code resolve} reads an
 * immutable snapshot published through a volatile reference and never blocks once a
 * name is known. Listeners run on the builder's listener executor, in order and
 * never concurrently for one name.
 */
public interface ConsulDiscovery extends AutoCloseable {

    /** A new builder; see {@link ConsulDiscoveryBuilder} for every option and its default. */
    static ConsulDiscoveryBuilder builder() {
        return new ConsulDiscoveryBuilder();
    }

    /**
     * The current endpoints of a name. Blocks only on the first lookup of the name, for
     * at most the builder's resolve timeout.
     *
     * <p>A name Consul knows nothing about resolves to empty endpoints (not an exception).
     *
     * @throws IllegalArgumentException if the name is not a valid Consul name
     * @throws DiscoveryException if nothing is known of the name yet and Consul did not
     *     answer in time, or every configured agent failed once (before the timeout)
     * @throws IllegalStateException after {@link #close()}
     */
    Endpoints resolve(String name);

    /** {@link #resolve(String)} without blocking the caller. */
    CompletableFuture<Endpoints> resolveAsync(String name);

    /**
     * Asks Consul again right now, outside the blocking-query cycle, and publishes the
     * answer to watchers if it changed. For callers that have first-hand evidence that
     * the cached answer is wrong (a READONLY reply, a refused connection). Completes
     * with the cached endpoints, marked stale, when Consul cannot be reached.
     */
    CompletableFuture<Endpoints> refresh(String name);

    /**
     * Calls {@code listener} with the current endpoints (once they are known) and then
     * each time the set of endpoints really changes. Closing the returned watch stops
     * the calls; the underlying Consul watch is shared by every caller of the same name.
     */
    Watch watch(String name, EndpointListener listener);

    /** Stops every watch, its threads and its HTTP connections. Idempotent. */
    @Override
    void close();
}
