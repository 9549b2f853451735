package io.waymark.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryStats;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.EndpointListener;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.InMemoryDiscovery;
import io.waymark.discovery.StatsFixture;
import io.waymark.discovery.Watch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DiscoveryMeterBinderTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyCounterReadsItsOwnStatistic() {
        DiscoveryStats s = StatsFixture.distinct();
        try (StatsDiscovery discovery = new StatsDiscovery(s)) {
            new DiscoveryMeterBinder(discovery, Tags.of("app", "shop")).bindTo(registry);

            assertThat(registry.get("waymark.discovery.watched.names").tag("app", "shop").gauge().value()).isEqualTo(3);
            assertThat(registry.get("waymark.discovery.requests").functionCounter().count()).isEqualTo(100);
            assertThat(registry.get("waymark.discovery.errors").tag("kind", "timeout").functionCounter().count())
                    .isEqualTo(s.errors(DiscoveryStats.ErrorKind.TIMEOUT));
            assertThat(registry.get("waymark.discovery.errors").tag("kind", "acl_denied").functionCounter().count())
                    .isEqualTo(s.errors(DiscoveryStats.ErrorKind.ACL_DENIED));
            assertThat(registry.get("waymark.discovery.blocking.queries").functionCounter().count()).isEqualTo(7);
            assertThat(registry.get("waymark.discovery.changes").functionCounter().count()).isEqualTo(5);
            assertThat(registry.get("waymark.discovery.agent.rotations").functionCounter().count()).isEqualTo(2);
            assertThat(registry.get("waymark.discovery.acl.suspicions").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("waymark.discovery.watches.evicted").functionCounter().count()).isEqualTo(4);
            assertThat(registry.get("waymark.discovery.uncached.lookups").functionCounter().count()).isEqualTo(6);
            assertThat(registry.get("waymark.discovery.stale.age").timeGauge().value(TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Test
    void errorKindsAreTheEnumsLowerCaseAndNothingElse() {
        try (StatsDiscovery discovery = new StatsDiscovery(StatsFixture.distinct())) {
            new DiscoveryMeterBinder(discovery, Tags.empty()).bindTo(registry);

            assertThat(registry.get("waymark.discovery.errors").functionCounters())
                    .map(c -> c.getId().getTag("kind"))
                    .containsExactlyInAnyOrder("timeout", "connection", "server_error", "acl_denied", "other");
        }
    }

    @Test
    void configuredNamesGetEndpointAndStaleGaugesFromTheCache() {
        try (InMemoryDiscovery discovery = new InMemoryDiscovery()) {
            discovery.set("w-master-redis-8888", "127.0.0.21:8888");
            discovery.set("r-slave-redis-8888", "127.0.0.24:8888", "127.0.0.25:8888");
            discovery.stale("r-slave-redis-8888", true);
            new DiscoveryMeterBinder(discovery, Tags.empty()).names(List.of("w-master-redis-8888", "r-slave-redis-8888"))
                    .bindTo(registry);

            assertThat(registry.get("waymark.discovery.endpoints").tag("name", "w-master-redis-8888").gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get("waymark.discovery.endpoints").tag("name", "r-slave-redis-8888").gauge().value())
                    .isEqualTo(2);
            assertThat(registry.get("waymark.discovery.stale").tag("name", "r-slave-redis-8888").gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get("waymark.discovery.stale").tag("name", "w-master-redis-8888").gauge().value())
                    .isZero();

            discovery.set("w-master-redis-8888", new Endpoint[0]);
            assertThat(registry.get("waymark.discovery.endpoints").tag("name", "w-master-redis-8888").gauge().value())
                    .isZero();
        }
    }

    @Test
    void aNameThatFailsReadsNaNInsteadOfFailingTheScrape() {
        try (InMemoryDiscovery discovery = new InMemoryDiscovery()) {
            discovery.fail("web", new IllegalStateException("boom"));
            new DiscoveryMeterBinder(discovery, Tags.empty()).names(List.of("web")).bindTo(registry);

            assertThat(registry.get("waymark.discovery.endpoints").tag("name", "web").gauge().value()).isNaN();
        }
    }

    @Test
    void moreNamesThanTheCapAreRefusedNamingTheCap() {
        try (InMemoryDiscovery discovery = new InMemoryDiscovery()) {
            List<String> many = IntStream.rangeClosed(1, DiscoveryMeterBinder.MAX_NAMES + 1).mapToObj(i -> "svc" + i)
                    .toList();
            DiscoveryMeterBinder binder = new DiscoveryMeterBinder(discovery, Tags.empty());

            assertThatThrownBy(() -> binder.names(many)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("more than " + DiscoveryMeterBinder.MAX_NAMES);
            assertThatThrownBy(() -> binder.names(List.of(" "))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("blank");
        }
    }

    @Test
    void noMeterCarriesATagBeyondTheBinderTagsKindAndConfiguredNames() {
        try (InMemoryDiscovery discovery = new InMemoryDiscovery()) {
            discovery.set("web", "127.0.0.1:80");
            new DiscoveryMeterBinder(discovery, Tags.of("app", "shop")).names(List.of("web")).bindTo(registry);
            discovery.resolve("other-name-from-traffic");

            for (Meter m : registry.getMeters()) {
                for (Tag t : m.getId().getTags()) {
                    assertThat(t.getKey()).isIn("app", "kind", "name");
                    if (t.getKey().equals("name")) {
                        assertThat(t.getValue()).isEqualTo("web");
                    }
                }
            }
        }
    }

    /** A discovery whose stats are fixed, the rest from {@link InMemoryDiscovery}. */
    private static final class StatsDiscovery implements ConsulDiscovery {
        private final InMemoryDiscovery delegate = new InMemoryDiscovery();
        private final DiscoveryStats stats;

        StatsDiscovery(DiscoveryStats stats) {
            this.stats = stats;
        }

        @Override
        public Endpoints resolve(String name) {
            return delegate.resolve(name);
        }

        @Override
        public CompletableFuture<Endpoints> resolveAsync(String name) {
            return delegate.resolveAsync(name);
        }

        @Override
        public CompletableFuture<Endpoints> refresh(String name) {
            return delegate.refresh(name);
        }

        @Override
        public Watch watch(String name, EndpointListener listener) {
            return delegate.watch(name, listener);
        }

        @Override
        public DiscoveryStats stats() {
            return stats;
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
