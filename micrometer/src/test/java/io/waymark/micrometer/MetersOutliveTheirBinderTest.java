package io.waymark.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.waymark.discovery.InMemoryDiscovery;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Micrometer keeps a gauge's or function counter's object weakly: a binder that nobody else holds
 * ({@code new RedisMeterBinder(...).bindTo(registry)}) must still be read by its meters after a garbage
 * collection, not frozen at their last value.
 */
class MetersOutliveTheirBinderTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** Collects garbage until {@code ref} is cleared or a few rounds passed; true when it was cleared. */
    private static boolean collected(WeakReference<?> ref) throws InterruptedException {
        for (int i = 0; i < 10 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20); // lets the reference handler run between collections; bounded by the loop
        }
        return ref.get() == null;
    }

    @Test
    void redisMetersKeepReadingAfterTheBinderIsNoLongerReferenced() throws Exception {
        AtomicReference<RedisStats> current = new AtomicReference<>(stats(0));
        RedisMeterBinder binder = new RedisMeterBinder(Tags.empty()).stats(current::get);
        binder.bindTo(registry);
        WeakReference<RedisMeterBinder> ref = new WeakReference<>(binder);
        binder = null;

        assertThat(collected(ref)).as("the meters hold their binder").isFalse();
        current.set(stats(3));
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(Snapshot.MAX_AGE_NANOS) + 50);
        assertThat(registry.get("waymark.redis.failovers").functionCounter().count()).isEqualTo(3);
        assertThat(registry.get("waymark.redis.masters").gauge().value()).isEqualTo(1);
    }

    @Test
    void discoveryMetersKeepReadingAfterTheBinderIsNoLongerReferenced() throws Exception {
        try (InMemoryDiscovery discovery = new InMemoryDiscovery()) {
            discovery.set("web", "127.0.0.1:80");
            DiscoveryMeterBinder binder = new DiscoveryMeterBinder(discovery, Tags.empty()).names(List.of("web"));
            binder.bindTo(registry);
            WeakReference<DiscoveryMeterBinder> ref = new WeakReference<>(binder);
            binder = null;

            assertThat(collected(ref)).as("the meters hold their binder").isFalse();
            discovery.set("web", "127.0.0.1:80", "127.0.0.2:80");
            assertThat(registry.get("waymark.discovery.endpoints").tag("name", "web").gauge().value()).isEqualTo(2);
            assertThat(registry.get("waymark.discovery.requests").functionCounter().count()).isNotNaN();
        }
    }

    @Test
    void jdbcMetersKeepReadingAfterTheBinderIsNoLongerReferenced() throws Exception {
        JdbcMeterBinder binder = JdbcMeterBinder.forUrl(
                "jdbc:consul:mariadb://w-master-mysql-3306.service.consul/shop?consul.agent=127.0.0.1:1", Tags.empty());
        binder.bindTo(registry);
        WeakReference<JdbcMeterBinder> ref = new WeakReference<>(binder);
        binder = null;

        assertThat(collected(ref)).as("the meters hold their binder").isFalse();
        assertThat(registry.get("waymark.jdbc.failovers").functionCounter().count()).isZero();
    }

    private static RedisStats stats(long failovers) {
        return new RedisStats(TopologyMode.STANDALONE, List.of("127.0.0.21:8888"), List.of(), failovers, 0, 0, 0,
                Duration.ZERO);
    }
}
