package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsulDiscoveryBuilderTest {

    @Nested
    @DisplayName("setters fail fast, naming the parameter and the value")
    class Setters {

        @ParameterizedTest(name = "agent(''{0}'')")
        @CsvSource(delimiter = '|', value = {
            "127.0.0.1:0        | agent port must be in 1..65535: 0 in '127.0.0.1:0'",
            "127.0.0.1:65536    | agent port must be in 1..65535: 65536",
            "127.0.0.1:http     | agent port must be a number in 1..65535: '127.0.0.1:http'",
            "':8500'            | agent must be [http://|https://]host[:port], the host is missing: ':8500'",
            "::1:8500           | agent must put an IPv6 address in brackets: '::1:8500'",
            "[::1               | agent has an unclosed '[': '[::1'",
            "http://            | agent must be [http://|https://]host[:port]: 'http://'",
        })
        void badAgent(String agent, String message) {
            assertThatThrownBy(() -> ConsulDiscovery.builder().agent(agent))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        }

        @Test
        void agentForms() {
            assertThat(AgentAddress.parse("agent", "https://consul.local:8501/").toString())
                    .isEqualTo("https://consul.local:8501");
            assertThat(AgentAddress.parse("agent", "[::1]:8500").hostPort()).isEqualTo("[::1]:8500");
            assertThat(AgentAddress.parse("agent", "127.0.0.11").port()).isEqualTo(8500);
            assertThatThrownBy(() -> ConsulDiscovery.builder().dnsAgent("http://127.0.0.1:8600"))
                    .hasMessage("dnsAgent must be host[:port], without a scheme: 'http://127.0.0.1:8600'");
        }

        @Test
        void durations() {
            ConsulDiscoveryBuilder b = ConsulDiscovery.builder();
            assertThatThrownBy(() -> b.resolveTimeout(Duration.ZERO)).hasMessage("resolveTimeout must be positive: PT0S");
            assertThatThrownBy(() -> b.requestTimeout(Duration.ofSeconds(-1)))
                    .hasMessage("requestTimeout must be positive: PT-1S");
            assertThatThrownBy(() -> b.blockingWait(Duration.ofMinutes(11)))
                    .hasMessage("blockingWait must be in 1s..10m: PT11M");
            assertThatThrownBy(() -> b.blockingWait(Duration.ofMillis(500)))
                    .hasMessage("blockingWait must be in 1s..10m: PT0.5S");
            assertThatThrownBy(() -> b.dnsPollInterval(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("pollInterval");
            assertThatThrownBy(() -> b.idleWatchTimeout(Duration.ZERO))
                    .hasMessage("idleWatchTimeout must be positive: PT0S");
            assertThatThrownBy(() -> b.retryBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                    .hasMessage("retryBackoff max must be >= initial: PT1S < PT2S");
            assertThatThrownBy(() -> b.watchRateLimit(0, 1))
                    .hasMessage("watchRateLimit requestsPerSecond must be at least 0.001 (one request per 1000 s) and "
                            + "finite: 0.0");
            assertThatThrownBy(() -> b.watchRateLimit(1, 0)).hasMessage("watchRateLimit burst must be >= 1: 0");
            assertThatThrownBy(() -> b.token("  ")).hasMessage("token must not be blank");
            assertThatThrownBy(() -> b.agentProbeInterval(Duration.ofMillis(50)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("agentProbeInterval must be 0 (off) or at least 100ms: PT0.05S");
            assertThatThrownBy(() -> b.agentProbeInterval(Duration.ofSeconds(-2)))
                    .hasMessage("agentProbeInterval must be 0 (off) or at least 100ms: PT-2S");
            assertThatThrownBy(() -> b.agentProbeInterval(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("agentProbeInterval");
            b.agentProbeInterval(Duration.ZERO).agentProbeInterval(Duration.ofMillis(100));
            assertThatThrownBy(() -> b.domain("a..b")).hasMessageContaining("'a..b'");
        }
    }

    @Nested
    @DisplayName("odd values fail clearly or are taken as their saturated value")
    class OddValues {

        @ParameterizedTest(name = "agent(''{0}'')")
        @CsvSource(delimiter = '|', value = {
            "http://u:pw@127.0.0.1:8500  | agent must not contain credentials (user:password@); Consul takes an ACL "
                    + "token instead: 'http://***@127.0.0.1:8500'",
            "admin:pw@127.0.0.1          | agent must not contain credentials",
            "127.0.0.1:8500#frag         | agent must be [http://|https://]host[:port], without a path, query or "
                    + "fragment: '127.0.0.1:8500#frag'",
            "127.0.0.1:8500?x=1          | without a path, query or fragment",
            "https://127.0.0.1:8501/v1   | without a path, query or fragment",
            "consul-é.local:8500     | agent host must be ASCII (write an internationalized name in its xn-- form)"
                    + ", but has U+00E9",
            "bad*host:8500               | agent host may contain letters, digits, '.', '-' and '_', but has '*'",
        })
        void badAgent(String agent, String message) {
            assertThatThrownBy(() -> ConsulDiscovery.builder().agent(agent))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw@"));
        }

        @Test
        @DisplayName("a huge agent value is not echoed whole")
        void hugeAgent() {
            String huge = "h".repeat(100_000) + "*";
            assertThatThrownBy(() -> ConsulDiscovery.builder().agent(huge))
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400).contains("100001 characters"));
        }

        @Test
        @DisplayName("watchRateLimit(1e-300) is refused, naming the minimum")
        void tinyRate() {
            assertThatThrownBy(() -> ConsulDiscovery.builder().watchRateLimit(1e-300, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 0.001").hasMessageContaining("1.0E-300");
            ConsulDiscovery.builder().watchRateLimit(0.001, 1);
        }

        @ParameterizedTest(name = "every duration set to {0}: build, resolve and close without ArithmeticException")
        @CsvSource({"PT9999999H", "PT2562047788015215H30M7S"})
        void hugeDurations(String text) {
            Duration huge = Duration.parse(text);
            ConsulDiscoveryBuilder b = ConsulDiscovery.builder().agent("127.0.0.1:1").resolveTimeout(huge)
                    .requestTimeout(huge).pollInterval(huge).idleWatchTimeout(huge).agentProbeInterval(huge)
                    .consistency(Consistency.STALE).maxStaleness(huge);
            try (ConsulDiscovery d = b.build()) {
                // nothing listens on port 1: the first lookup gives up once the only agent failed
                assertThatThrownBy(() -> d.resolve("web")).isInstanceOf(DiscoveryException.class);
                assertThat(d.refresh("web")).failsWithin(Duration.ofSeconds(10));
            }
            // a resolve arriving after the first attempt failed waits for the next one, a backoff
            // later: with this backoff, until the resolve timeout
            try (ConsulDiscovery d = ConsulDiscovery.builder().agent("127.0.0.1:1").retryBackoff(huge, huge)
                    .resolveTimeout(Duration.ofSeconds(2)).build()) {
                assertThatThrownBy(() -> d.resolve("web")).isInstanceOf(DiscoveryException.class);
                assertThatThrownBy(() -> d.resolve("web")).isInstanceOf(DiscoveryException.class)
                        .hasMessageContaining("within PT2S");
            }
            try (ConsulDiscovery d = ConsulDiscovery.builder().agent("127.0.0.1:1").mode(DiscoveryMode.DNS)
                    .resolveTimeout(huge).requestTimeout(huge).pollInterval(huge).build()) {
                assertThatThrownBy(() -> d.resolve("web")).isInstanceOf(DiscoveryException.class);
            }
        }
    }

    @Nested
    @DisplayName("build() rejects conflicting settings")
    class Conflicts {

        @Test
        void consistencyInDnsMode() {
            assertThatThrownBy(() -> ConsulDiscovery.builder().mode(DiscoveryMode.DNS)
                    .consistency(Consistency.STALE).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("consistency STALE applies to mode HTTP only; mode is DNS");
        }

        @Test
        void dnsAgentInHttpMode() {
            assertThatThrownBy(() -> ConsulDiscovery.builder().dnsAgent("127.0.0.1:8600").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("dnsAgent [127.0.0.1:8600] applies to mode DNS only; mode is HTTP");
        }

        @Test
        void agentProbeIntervalInDnsMode() {
            assertThatThrownBy(() -> ConsulDiscovery.builder().mode(DiscoveryMode.DNS)
                    .agentProbeInterval(Duration.ofSeconds(1)).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("agentProbeInterval applies to mode HTTP only; mode is DNS");
        }

        @Test
        void maxStalenessWithoutStale() {
            assertThatThrownBy(() -> ConsulDiscovery.builder().maxStaleness(Duration.ofSeconds(1)).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("maxStaleness applies to consistency STALE only; consistency is DEFAULT");
        }

        @Test
        void trustStoreWithoutHttps() throws Exception {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            assertThatThrownBy(() -> ConsulDiscovery.builder().agent("127.0.0.1:8500").trustStore(ks).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("trustStore set, but no agent uses https: [127.0.0.1:8500] (write agents as "
                            + "https://host:8501, or set https)");
            ConsulDiscovery.builder().agent("https://127.0.0.1:8501").trustStore(ks).build().close();
        }
    }

    @Nested
    @DisplayName("defaults")
    class Defaults {

        @Test
        @DisplayName("agent and token come from CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN")
        void environment() {
            ConsulDiscoveryBuilder b = ConsulDiscovery.builder();
            Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", "https://127.0.0.9:8501",
                    "CONSUL_HTTP_TOKEN", "env-secret-token");
            b.environment = env::get;
            try (ConsulDiscovery d = b.build()) {
                assertThat(d.toString()).contains("https://127.0.0.9:8501").contains("token=<hidden>")
                        .doesNotContain("env-secret-token");
            }
        }

        @Test
        @DisplayName("without environment: 127.0.0.1:8500, no token")
        void noEnvironment() {
            ConsulDiscoveryBuilder b = ConsulDiscovery.builder();
            b.environment = name -> null;
            try (ConsulDiscovery d = b.build()) {
                assertThat(d.toString()).contains("[127.0.0.1:8500]").contains("token=none");
            }
        }

        @Test
        @DisplayName("DNS mode asks each agent's host on port 8600")
        void dnsAgents() {
            try (ConsulDiscovery d = ConsulDiscovery.builder().agent("127.0.0.11:8500").agent("127.0.0.12")
                    .mode(DiscoveryMode.DNS).build()) {
                assertThat(d.toString()).contains("[127.0.0.11:8600, 127.0.0.12:8600]");
            }
        }

        @Test
        @DisplayName("probe timeout: the probe interval, at least 1 s, at most the request timeout")
        void probeTimeout() {
            assertThat(HttpTransport.probeTimeoutMillis(settings(Duration.ofSeconds(2), Duration.ofSeconds(5))))
                    .isEqualTo(2000);
            assertThat(HttpTransport.probeTimeoutMillis(settings(Duration.ofMillis(200), Duration.ofSeconds(5))))
                    .isEqualTo(1000);
            assertThat(HttpTransport.probeTimeoutMillis(settings(Duration.ofSeconds(30), Duration.ofSeconds(5))))
                    .isEqualTo(5000);
            assertThat(HttpTransport.probeTimeoutMillis(settings(Duration.ofMillis(200), Duration.ofMillis(300))))
                    .isEqualTo(300);
        }

        private Settings settings(Duration probeInterval, Duration requestTimeout) {
            ConsulDiscoveryBuilder b = ConsulDiscovery.builder().agent("127.0.0.1:1")
                    .agentProbeInterval(probeInterval).requestTimeout(requestTimeout);
            try (DefaultConsulDiscovery d = (DefaultConsulDiscovery) b.build()) {
                return d.settings;
            }
        }

        @Test
        @DisplayName("toString never shows the token")
        void tokenHidden() {
            ConsulDiscoveryBuilder b = ConsulDiscovery.builder().token("builder-secret-token");
            assertThat(b.toString()).doesNotContain("builder-secret-token").contains("<hidden>");
            try (ConsulDiscovery d = b.build()) {
                assertThat(d.toString()).doesNotContain("builder-secret-token");
            }
        }
    }
}
