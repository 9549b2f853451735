package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.ServiceSpec;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over HTTPS, Consul's agents speak HTTP/2 and allow 250 concurrent streams per connection:
 * many watched names share a few connections instead of one each (plain HTTP/1.1). Against a
 * real secured agent: every watch blocking, every change seen, and the TCP connections to the
 * agent counted from /proc. (ConsulLoadProbe measures 1,000 names.)
 *
 * <p>Services are registered on the server; the discovery asks the client agent "app", so
 * that only the discovery's connections go to it.
 */
class Http2IT {

    /**
     * Two connections' worth of streams exactly: a probe request on top (the agent probe of
     * HTTP/1.1 agents) would need a third connection; HTTP/2 agents are checked by PING frames.
     */
    private static final int NAMES = 500;
    /** Consul's (Go's) HTTP/2 MAX_CONCURRENT_STREAMS. */
    private static final int STREAMS_PER_CONNECTION = 250;

    @TempDir
    Path dir;

    @Test
    @DisplayName("500 watched names through one HTTPS agent: every change seen, on 2 TCP connections, no probe stream")
    void fewConnections() throws Exception {
        try (ConsulCluster consul = ConsulCluster.builder().secured().servers(1).clientAgent("app").start()) {
            ConsulSecurity s = consul.security();
            ConsulAgent server = consul.servers().get(0);
            ConsulAgent app = consul.agent("app");
            for (int i = 0; i < NAMES; i++) {
                server.register(ServiceSpec.builder(name(i)).id(name(i) + "-1").address("127.0.0.91").port(80).build());
            }
            Path token = Files.writeString(dir.resolve("token"), s.readToken().secretId());
            Map<String, Long> seen = new ConcurrentHashMap<>();
            Map<String, Integer> sizes = new ConcurrentHashMap<>();
            try (ConsulDiscovery d = ConsulDiscovery.builder().environment(Map.of())
                    .agent("https://" + app.httpsAddress()).caCert(s.tls().caCertificate())
                    .clientCert(s.tls().clientCertificate()).clientKey(s.tls().clientKey()).tokenFile(token)
                    .build()) {
                for (int i = 0; i < NAMES; i++) {
                    String n = name(i);
                    d.watch(n, e -> {
                        sizes.put(n, e.all().size());
                        if (e.all().size() == 2) {
                            seen.put(n, System.nanoTime());
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> sizes.size() == NAMES
                        && sizes.values().stream().allMatch(v -> v == 1));
                int expected = (NAMES + STREAMS_PER_CONNECTION - 1) / STREAMS_PER_CONNECTION;
                // connections raced open at the start are closed once the streams find their connection
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> OpenConnections.to(app.host(), 8501) <= expected);

                long[] started = new long[NAMES];
                for (int i = 0; i < NAMES; i++) {
                    started[i] = System.nanoTime();
                    server.register(ServiceSpec.builder(name(i)).id(name(i) + "-2").address("127.0.0.92").port(80)
                            .build());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == NAMES);
                long[] millis = new long[NAMES];
                for (int i = 0; i < NAMES; i++) {
                    millis[i] = (seen.get(name(i)) - started[i]) / 1_000_000;
                }
                Arrays.sort(millis);
                int connections = OpenConnections.to(app.host(), 8501);
                // OkHttp renames the threads that carry calls: count all of the JVM's
                System.out.printf("Http2IT: %d names, %d TCP connections, %d live threads in the JVM; change seen p50 "
                        + "%d ms, p99 %d ms, max %d ms%n", NAMES, connections,
                        ManagementFactory.getThreadMXBean().getThreadCount(), millis[NAMES / 2],
                        millis[NAMES * 99 / 100], millis[NAMES - 1]);
                assertThat(connections).as("TCP connections to the agent").isLessThanOrEqualTo(expected);
                assertThat(d.stats().errors(DiscoveryStats.ErrorKind.CONNECTION)).isZero();
            }
        }
    }

    private static String name(int i) {
        return String.format("h2-svc-%03d", i);
    }
}
