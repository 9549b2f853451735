/**
 * Implementation of {@code io.waymark.redis}: not a public API, may change in any release.
 *
 * <p>{@link io.waymark.redis.DiscoveredRedisBuilder} fills a {@code RedisSettings.Builder};
 * {@code Connectors} makes the mode's {@code BaseRedis}, whose three command interfaces are
 * dynamic proxies, as Lettuce's own are.
 *
 * <p><b>Standalone mode:</b> {@code StandaloneRouter} keeps the {@code Topology} (one
 * immutable view, rebuilt by one check at a time in a {@code ReconcileLoop}; the nodes live in
 * a {@code NodeSet}; {@code MasterChoice} picks the master; {@code ProbeRound} says when a round
 * of probes may be decided without waiting for a frozen master). {@code RoutingCore} handles the
 * async and reactive proxies, and {@code SyncFacade} the sync one, straight into the core:
 * each call picks its node from the topology, and a failed one asks {@code RetryPolicy}
 * whether to go again.
 *
 * <p><b>Cluster mode:</b> Lettuce's cluster client routes by slot; {@code ClusterRetry} handles
 * the async and reactive proxies over it and {@code BlockingFacade} the sync one, retrying
 * what the cluster refused before running it with the same {@code RetryPolicy}. After a sign of
 * trouble a {@code SlotWatch} asks the nodes who owns the slots and hands the answer to the
 * client ({@code ViewClusterClient}) the moment a slot moved, fencing the failed master.
 *
 * <p>In both, blocking commands run on a {@code PinnedPool} connection and get their own
 * client timeout ({@code BlockingTimeouts}); {@code withWriteConnection} runs in a
 * {@code WriteSession}; {@code Failures} tells what a failed command means, and
 * {@code Await} is how every sync call waits.
 */
package io.waymark.redis.internal;
