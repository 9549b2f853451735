package io.waymark.spring.redis;

import io.lettuce.core.codec.RedisCodec;
import io.waymark.redis.DiscoveredRedis;

/**
 * The {@link DiscoveredRedis} instances a {@link DiscoveredRedisConnectionFactory} runs on, one per codec:
 * {@code byte[]} for Spring's templates, {@code ByteBuffer} for the reactive ones (asked for on first
 * reactive use only). Each is built with the same settings; the source owns and closes them.
 *
 * <p><b>Threading:</b> implementations must be thread-safe and return the same instance for a codec.
 */
public interface DiscoveredRedisSource {

    /** The instance for {@code codec}, built on first request. */
    <K, V> DiscoveredRedis<K, V> redis(RedisCodec<K, V> codec);
}
