package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ServiceSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The three Consul servers gone for a minute, and back. */
class OutageIT {

    @Test
    @DisplayName("all three servers stopped for 60 s: resolve keeps answering stale, no exception; back: updates resume")
    void serversGoneForAMinute() {
        try (ConsulCluster consul = ConsulCluster.builder().servers(3).clientAgent("app").start();
                ConsulDiscovery d = ConsulDiscovery.builder().agent(consul.agent("app").httpAddress())
                        .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(2)).build()) {
            ConsulAgent app = consul.agent("app");
            app.register(ServiceSpec.builder("outage").id("outage-1").address("127.0.0.81").port(81).build());
            Recorder rec = new Recorder();
            d.watch("outage.service.consul", rec);
            await().atMost(Duration.ofSeconds(30)).until(() -> rec.addresses().equals(List.of("127.0.0.81:81")));

            parallel(consul.servers(), ConsulAgent::stop);
            await().atMost(Duration.ofSeconds(30)).until(() -> d.resolve("outage").stale());
            int callsBefore = rec.calls.size();
            // for a whole minute: the last endpoints, marked stale, and never an exception
            await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(70)).until(() -> {
                Endpoints e = d.resolve("outage");
                return e.stale() && Recorder.addresses(e).equals(List.of("127.0.0.81:81"));
            });
            assertThat(d.refresh("outage").join().stale()).isTrue();
            assertThat(rec.calls).hasSize(callsBefore);

            parallel(consul.servers(), ConsulAgent::start);
            await().atMost(Duration.ofSeconds(60)).until(() -> !d.resolve("outage").stale());
            app.register(ServiceSpec.builder("outage").id("outage-2").address("127.0.0.82").port(82).build());
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> rec.addresses().equals(List.of("127.0.0.81:81", "127.0.0.82:82")));
        }
    }

    /** Servers need each other for a leader: stop and start them together. */
    private static void parallel(List<ConsulAgent> agents, Consumer<ConsulAgent> action) {
        CompletableFuture.allOf(agents.stream()
                .map(a -> CompletableFuture.runAsync(() -> action.accept(a)))
                .toArray(CompletableFuture[]::new)).join();
    }
}
