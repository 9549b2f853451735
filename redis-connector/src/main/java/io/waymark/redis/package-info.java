/**
 * A Redis client over Lettuce that finds its servers in Consul and follows failovers.
 *
 * <p>Start at {@link io.waymark.redis.DiscoveredRedis#builder()}. Everything in
 * {@code io.waymark.redis.internal} is implementation and may change without notice.
 */
@NullMarked
package io.waymark.redis;

import org.jspecify.annotations.NullMarked;
