package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.discovery.ConsulProperty;
import io.waymark.discovery.InMemoryDiscovery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class DiscoveryRegistryTest {

    private static DiscoveryKey key(String agent) {
        return new DiscoveryKey(Map.of(ConsulProperty.AGENT, agent), Map.of());
    }

    private final List<InMemoryDiscovery> built = new ArrayList<>();

    private DiscoveryRegistry registry(Duration linger) {
        return new DiscoveryRegistry(k -> {
            InMemoryDiscovery d = new InMemoryDiscovery();
            built.add(d);
            return d;
        }, linger);
    }

    @Nested
    class Sharing {

        @Test
        void sharesOneClientPerKey() {
            DiscoveryRegistry r = registry(Duration.ZERO);
            DiscoveryRegistry.Lease a = r.acquire(key("127.0.0.11:8500"));
            DiscoveryRegistry.Lease b = r.acquire(key("127.0.0.11:8500"));
            DiscoveryRegistry.Lease c = r.acquire(key("127.0.0.12:8500"));
            assertThat(a.discovery()).isSameAs(b.discovery()).isNotSameAs(c.discovery());
            assertThat(built).hasSize(2);
            assertThat(r.size()).isEqualTo(2);
        }
    }

    @Nested
    class ReferenceCounting {

        @Test
        void closesWhenTheLastLeaseIsReleased() {
            DiscoveryRegistry r = registry(Duration.ZERO);
            DiscoveryRegistry.Lease a = r.acquire(key("127.0.0.11:8500"));
            DiscoveryRegistry.Lease b = r.acquire(key("127.0.0.11:8500"));
            a.close();
            a.close(); // twice is harmless and does not release b's hold
            assertThat(built.get(0).isClosed()).isFalse();
            b.close();
            assertThat(built.get(0).isClosed()).isTrue();
            assertThat(r.size()).isZero();
        }

        @Test
        void aNewLeaseAfterCloseBuildsAFreshClient() {
            DiscoveryRegistry r = registry(Duration.ZERO);
            r.acquire(key("127.0.0.11:8500")).close();
            DiscoveryRegistry.Lease again = r.acquire(key("127.0.0.11:8500"));
            assertThat(built).hasSize(2);
            assertThat(again.discovery()).isSameAs(built.get(1));
            assertThat(built.get(1).isClosed()).isFalse();
        }

        @Test
        void lingersBeforeClosingAndIsReusedMeanwhile() {
            DiscoveryRegistry r = registry(Duration.ofMillis(300));
            r.acquire(key("127.0.0.11:8500")).close();
            DiscoveryRegistry.Lease again = r.acquire(key("127.0.0.11:8500"));
            assertThat(built).hasSize(1);
            assertThat(built.get(0).isClosed()).isFalse();
            again.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> built.get(0).isClosed());
            assertThat(r.size()).isZero();
        }

        @Test
        void aFailingFactoryLeavesNothingBehind() {
            AtomicInteger calls = new AtomicInteger();
            DiscoveryRegistry r = new DiscoveryRegistry(k -> {
                calls.incrementAndGet();
                throw new IllegalStateException("agent address rejected");
            }, Duration.ofSeconds(5));
            assertThatThrownBy(() -> r.acquire(key("127.0.0.11:8500"))).hasMessageContaining("agent address rejected");
            assertThat(r.size()).isZero();
            assertThatThrownBy(() -> r.acquire(key("127.0.0.11:8500"))).isInstanceOf(IllegalStateException.class);
            assertThat(calls).hasValue(2);
        }
    }
}
