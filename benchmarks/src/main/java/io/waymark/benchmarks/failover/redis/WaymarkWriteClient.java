package io.waymark.benchmarks.failover.redis;

import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisStats;

/** Waymark's {@link DiscoveredRedis} with its defaults (failover budget 2 s, command timeout 3 s). */
final class WaymarkWriteClient implements WriteClient {

    private final DiscoveredRedis<String, String> redis;

    WaymarkWriteClient(String consulAgent, String writeService, String readService, String password) {
        this.redis = DiscoveredRedis.builder()
                .consulAgent(consulAgent)
                .writeService(writeService)
                .readService(readService)
                .password(password)
                .readFrom(ReadPolicy.REPLICA_PREFERRED)
                .build();
    }

    @Override
    public String name() {
        return "Waymark DiscoveredRedis";
    }

    @Override
    public long incr(String key) {
        return redis.sync().incr(key);
    }

    @Override
    public String note() {
        RedisStats s = redis.stats();
        return s.mode() + ", write retries " + s.writeRetries() + ", failovers seen " + s.failoversSeen();
    }

    @Override
    public void close() {
        redis.close();
    }
}
