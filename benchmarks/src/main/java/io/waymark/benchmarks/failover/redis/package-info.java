/**
 * Redis failover scenarios of the benchmark harness: Waymark's {@code DiscoveredRedis} against
 * what users would pick instead (Lettuce {@code MasterReplica} or {@code RedisClusterClient} with a
 * static node list, a kiwi {@code ServiceHealthCache} rebuilding a Lettuce connection, a client
 * resolving Consul DNS when it reconnects), on real servers started by the testkit.
 *
 * <p>{@link io.waymark.benchmarks.failover.redis.RedisStandaloneFailoverScenario},
 * {@link io.waymark.benchmarks.failover.redis.RedisClusterFailoverScenario} and
 * {@link io.waymark.benchmarks.failover.redis.RedisFailoverMain} are the entry points; everything
 * else here is package-private plumbing.
 */
package io.waymark.benchmarks.failover.redis;
