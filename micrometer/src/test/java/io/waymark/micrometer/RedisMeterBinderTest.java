package io.waymark.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RedisMeterBinderTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<RedisStats> current = new AtomicReference<>(stats(List.of("127.0.0.21:8888"), 0, 0));

    private static RedisStats stats(List<String> masters, long failovers, long retries) {
        return new RedisStats(TopologyMode.STANDALONE, masters, List.of("127.0.0.24:8888", "127.0.0.25:8888"),
                failovers, retries, 3, 1, Duration.ofMillis(1500));
    }

    @Test
    void gaugesAndCountersReadTheStats() {
        new RedisMeterBinder(Tags.of("service", "w-master-redis-8888")).stats(current::get).bindTo(registry);

        assertThat(registry.get("waymark.redis.masters").tag("service", "w-master-redis-8888").gauge().value())
                .isEqualTo(1);
        assertThat(registry.get("waymark.redis.replicas").gauge().value()).isEqualTo(2);
        assertThat(registry.get("waymark.redis.failovers").functionCounter().count()).isZero();
        assertThat(registry.get("waymark.redis.outcome.unknown").functionCounter().count()).isEqualTo(3);
        assertThat(registry.get("waymark.redis.two.masters").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("waymark.redis.without.master").timeGauge().value(TimeUnit.MILLISECONDS))
                .isEqualTo(1500);
    }

    @Test
    void aFailoverShowsInTheCountersAfterTheSnapshotExpires() throws Exception {
        new RedisMeterBinder(Tags.empty()).stats(current::get).bindTo(registry);
        assertThat(registry.get("waymark.redis.failovers").functionCounter().count()).isZero();

        current.set(stats(List.of("127.0.0.24:8888"), 1, 4));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (registry.get("waymark.redis.failovers").functionCounter().count() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        assertThat(registry.get("waymark.redis.failovers").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("waymark.redis.retries").functionCounter().count()).isEqualTo(4);
    }

    @Test
    void statsMetersReadNaNUntilASourceIsSet() {
        new RedisMeterBinder(Tags.empty()).bindTo(registry);

        assertThat(registry.get("waymark.redis.masters").gauge().value()).isNaN();
    }

    @Test
    void hooksCountMasterChangesAndTimeTheGaps() {
        RedisMeterBinder binder = new RedisMeterBinder(Tags.empty()).stats(current::get);
        binder.writableMasterRestored(Duration.ofSeconds(9)); // before bindTo: no timer yet, dropped
        binder.bindTo(registry);

        binder.masterChanged("127.0.0.21:8888", null);
        binder.masterChanged(null, "127.0.0.24:8888");
        binder.writableMasterRestored(Duration.ofMillis(800));

        assertThat(registry.get("waymark.redis.master.changes").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("waymark.redis.master.gap").timer().count()).isEqualTo(1);
        assertThat(registry.get("waymark.redis.master.gap").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(800);
    }
}
