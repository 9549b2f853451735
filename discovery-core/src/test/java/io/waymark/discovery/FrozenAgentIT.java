package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ServiceSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A frozen agent (SIGSTOP: connections stay open, nothing is answered, no TCP reset)
 * noticed by the agent probe within seconds rather than after a blocking query's read
 * timeout (wait + wait/16 + request timeout: about 5 min 24 s by default). One server
 * and two client agents: "a" is the one paused, "b" is where services are registered
 * and changed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrozenAgentIT {

    /** Generous: the defaults notice a frozen agent within about 6 s. */
    private static final Duration NOTICED = Duration.ofSeconds(15);

    private ConsulCluster consul;
    private ConsulAgent a;
    private ConsulAgent b;

    @BeforeAll
    void startConsul() {
        consul = ConsulCluster.builder().servers(1).clientAgent("frozen-a").clientAgent("frozen-b").start();
        a = consul.agent("frozen-a");
        b = consul.agent("frozen-b");
    }

    @AfterAll
    void stopConsul() {
        if (consul != null) {
            consul.close();
        }
    }

    private static ServiceSpec instance(String service, int n) {
        return ServiceSpec.builder(service).id(service + "-" + n).address("127.0.0.9" + n).port(90 + n).build();
    }

    @Test
    @DisplayName("first agent paused: stale within seconds, then changes through the second agent reach the "
            + "watcher; a single-agent discovery stays stale until the agent is resumed, then fresh again")
    void pausedFirstAgent() {
        String svc = "frozen-web";
        b.register(instance(svc, 1));
        // the backoff keeps the stale moment between giving up on a and asking b observable
        try (ConsulDiscovery both = ConsulDiscovery.builder().agent(a.httpAddress()).agent(b.httpAddress())
                        .retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2)).build();
                ConsulDiscovery only = ConsulDiscovery.builder().agent(a.httpAddress())
                        .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build()) {
            Recorder rec = new Recorder();
            Recorder onlyRec = new Recorder();
            both.watch(svc, rec);
            only.watch(svc, onlyRec);
            await().atMost(Duration.ofSeconds(30)).until(() -> rec.addresses().equals(List.of("127.0.0.91:91"))
                    && onlyRec.addresses().equals(List.of("127.0.0.91:91")));
            assertThat(both.resolve(svc).stale()).isFalse();

            a.pause();
            try {
                await().atMost(NOTICED).pollInterval(Duration.ofMillis(50)).until(() -> both.resolve(svc).stale());
                await().atMost(NOTICED).until(() -> only.resolve(svc).stale());

                b.register(instance(svc, 2));
                await().atMost(NOTICED)
                        .until(() -> rec.addresses().equals(List.of("127.0.0.91:91", "127.0.0.92:92")));
                assertThat(both.resolve(svc).stale()).as("served by b").isFalse();
                Endpoints frozen = only.resolve(svc);
                assertThat(frozen.stale()).isTrue();
                assertThat(Recorder.addresses(frozen)).containsExactly("127.0.0.91:91");
            } finally {
                a.resume();
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> !only.resolve(svc).stale()
                    && onlyRec.addresses().equals(List.of("127.0.0.91:91", "127.0.0.92:92")));
            // nothing broke: later changes still reach both
            b.deregister(svc + "-1");
            await().atMost(Duration.ofSeconds(30)).until(() -> rec.addresses().equals(List.of("127.0.0.92:92"))
                    && onlyRec.addresses().equals(List.of("127.0.0.92:92")));
        }
    }

    @Test
    @DisplayName("close() while the agent is paused returns promptly and leaves no thread or connection")
    void closeWhilePaused() {
        String svc = "frozen-close";
        b.register(instance(svc, 3));
        ConsulDiscovery d = ConsulDiscovery.builder().agent(a.httpAddress()).build();
        try {
            Recorder rec = new Recorder();
            d.watch(svc, rec);
            d.resolve("frozen-other");
            await().atMost(Duration.ofSeconds(30)).until(() -> rec.addresses().equals(List.of("127.0.0.93:93")));
            int port = Integer.parseInt(a.httpAddress().substring(a.httpAddress().lastIndexOf(':') + 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> OpenConnections.to(a.host(), port) >= 2);

            a.pause();
            try {
                // at once: the blocking requests are still waiting on the frozen agent
                CompletableFuture<Void> closing = CompletableFuture.runAsync(d::close);
                await().atMost(Duration.ofSeconds(10)).until(closing::isDone);
                assertThat(closing).isCompleted();
                // OkHttp renames the threads it runs calls on after the request
                assertThat(OpenConnections.threads(NamedThreadFactory.PREFIX)).isEmpty();
                assertThat(OpenConnections.threads("OkHttp http://" + a.httpAddress())).isEmpty();
                await().atMost(Duration.ofSeconds(5)).until(() -> OpenConnections.to(a.host(), port) == 0);
            } finally {
                a.resume();
            }
        } finally {
            d.close();
        }
    }
}
