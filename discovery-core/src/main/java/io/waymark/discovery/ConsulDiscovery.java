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
 * <p>When Consul becomes unreachable, or refuses the ACL token, the last known endpoints
 * keep being served, marked {@link Endpoints#stale() stale}; callers never get an exception
 * for a name that was known once. At most the builder's {@code maxWatches} names are kept
 * (see {@link ConsulDiscoveryBuilder#maxWatches} for what happens beyond).
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
     *     answer in time, every configured agent failed once (before the timeout), or the
     *     agent refused the ACL token (the message names the permission)
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
     *
     * @throws IllegalStateException when {@code maxWatches} names are watched already, each
     *     with a listener (or waiting for a first answer), or after {@link #close()}
     */
    Watch watch(String name, EndpointListener listener);

    /**
     * Every instance registered under a service name, whatever its health: each
     * {@link Endpoint#health()} says whether its checks pass, warn or are critical. For callers
     * that must know every member of a group, not only the healthy ones (the one promoted a
     * moment ago, whose check has not turned passing yet). Asked over the HTTP API even in
     * {@link DiscoveryMode#DNS} mode (DNS lists no critical instance), of the builder's
     * {@code agent}s (default {@code CONSUL_HTTP_ADDR}, else 127.0.0.1:8500), with the same rules as
     * {@link #resolve}: blocks only on the first call for the name (at most the resolve
     * timeout), then answers from memory kept current by a blocking query; served stale while
     * Consul cannot be reached.
     *
     * @throws IllegalArgumentException if the name is not a valid Consul name, or names a
     *     prepared query ({@code name.query.consul}), whose answers hold healthy instances only
     * @throws DiscoveryException if nothing is known of the name yet and Consul did not
     *     answer in time, or refused (ACL)
     * @throws IllegalStateException after {@link #close()}
     * @throws UnsupportedOperationException if this implementation cannot list them
     */
    default Endpoints registered(String name) {
        throw new UnsupportedOperationException(getClass().getName() + " does not list registered instances");
    }

    /**
     * A snapshot of this discovery's counters: watched names, requests and errors by kind,
     * blocking queries, changes, staleness, agent rotations, ACL suspicions. Cheap enough for
     * a metrics poll; it never slows {@link #resolve}. An implementation that counts nothing
     * answers zeros.
     */
    default DiscoveryStats stats() {
        return DiscoveryStats.EMPTY;
    }

    /** Stops every watch, its threads and its HTTP connections. Idempotent. */
    @Override
    void close();
}
