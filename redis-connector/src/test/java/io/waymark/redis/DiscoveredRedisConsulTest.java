package io.waymark.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.waymark.discovery.BadPemFiles;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DiscoveredRedisBuilder#consul}: the discovery builder's settings and defaults through
 * the Redis builder, and its errors (a TLS or token file that cannot be used) at {@code build()},
 * which name the setting and the file and never a token, a password or key material.
 */
class DiscoveredRedisConsulTest {

    private static final String TOKEN = "70ken-never-5hown-1234";
    private static final String PASSWORD = "redis-pa55-never-shown";
    private static final String WRITE = "w-master";

    @TempDir
    Path dir;
    private final List<HttpServer> agents = new ArrayList<>();

    @AfterEach
    void stopAgents() {
        agents.forEach(a -> a.stop(0));
    }

    /** A Consul agent that lists no instance of any name; records the paths asked for. */
    private String agent(List<String> paths) throws IOException {
        HttpServer agent = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        agent.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            boolean health = exchange.getRequestURI().getPath().startsWith("/v1/health/service/");
            byte[] body = (health ? "[]" : "{}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Consul-Index", "1");
            exchange.sendResponseHeaders(health ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        agent.start();
        agents.add(agent);
        return "127.0.0.1:" + agent.getAddress().getPort();
    }

    private static DiscoveredRedisBuilder<String, String> standalone() {
        return DiscoveredRedis.builder().writeService(WRITE).topology(TopologyMode.STANDALONE).password(PASSWORD)
                .failoverBudget(Duration.ZERO);
    }

    @Nested
    class Settings {

        @Test
        void consulTakesTheDiscoverySettingsRepeatablyAndConsulAgentAddsToThem() {
            DiscoveredRedisBuilder<String, String> b = DiscoveredRedis.builder()
                    .consul(c -> c.agent("https://127.0.0.11:8501").token(TOKEN))
                    .consul(c -> c.agent("https://127.0.0.12:8501").tlsServerName("server.dc1.consul"))
                    .consulAgent("https://127.0.0.13:8501");
            assertThat(b.toString())
                    .contains("agents=[https://127.0.0.11:8501, https://127.0.0.12:8501, https://127.0.0.13:8501]")
                    .contains("tlsServerName").doesNotContain(TOKEN);
        }

        @Test
        void aBadValueFailsWhereItIsSetNamingTheSetting() {
            assertThatThrownBy(() -> DiscoveredRedis.builder().consul(c -> c.agent("127.0.0.1:0")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("agent port must be in 1..65535");
            assertThatThrownBy(() -> DiscoveredRedis.builder().consul(c -> c.property("tls-server-name", "a b")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("tls-server-name must be a host name");
            assertThatThrownBy(() -> DiscoveredRedis.builder().consul(c -> c.token(" ")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token");
        }

        @Test
        void theConsulDefaultsAreDiscoverysConsulsEnvironmentVariablesForWhatIsNotSet() throws IOException {
            List<String> asked = new CopyOnWriteArrayList<>();
            String agent = agent(asked);
            try (DiscoveredRedis<String, String> redis = standalone()
                    .consul(c -> c.environment(Map.of("CONSUL_HTTP_ADDR", "http://" + agent))).build()) {
                assertThat(redis.stats().masters()).isEmpty();
            }
            assertThat(asked).contains("/v1/health/service/" + WRITE);
        }

        @Test
        void anAgentSetWinsOverTheEnvironment() throws IOException {
            List<String> fromEnvironment = new CopyOnWriteArrayList<>();
            List<String> set = new CopyOnWriteArrayList<>();
            String environmentAgent = agent(fromEnvironment);
            String agent = agent(set);
            try (DiscoveredRedis<String, String> redis = standalone()
                    .consul(c -> c.environment(Map.of("CONSUL_HTTP_ADDR", environmentAgent)))
                    .consulAgent(agent).build()) {
                await().atMost(Duration.ofSeconds(5)).until(() -> set.contains("/v1/health/service/" + WRITE));
                assertThat(redis.stats().mode()).isEqualTo(TopologyMode.STANDALONE);
            }
            assertThat(fromEnvironment).isEmpty();
        }
    }

    @Nested
    class BadFiles {

        /** Over https with a token, no environment; {@code tls} adds the settings under test. */
        private DiscoveredRedisBuilder<String, String> secured(Consumer<ConsulDiscoveryBuilder> tls) {
            return standalone().consul(c -> c.environment(Map.of()).agent("https://127.0.0.1:8501").token(TOKEN))
                    .consul(tls);
        }

        /**
         * The error of {@code build()}: an IllegalStateException naming the setting and the file
         * (null: discovery names the settings only, as for a key of another certificate), with no
         * secret anywhere in its stack trace.
         */
        private IllegalStateException refused(DiscoveredRedisBuilder<String, String> b, String setting, Path file,
                List<String> secrets) {
            IllegalStateException e = catchThrowableOfType(IllegalStateException.class, b::build);
            assertThat(e).as("build() fails").isNotNull();
            assertThat(e.getMessage()).contains(setting).contains(file == null ? setting : file.toString());
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            List<String> all = new ArrayList<>(secrets);
            all.addAll(List.of(TOKEN, PASSWORD));
            assertThat(all).allSatisfy(s -> assertThat(trace.toString()).doesNotContain(s));
            return e;
        }

        private Path certificate() throws URISyntaxException {
            return Path.of(getClass().getResource("/tls/client-cert.pem").toURI());
        }

        @Test
        void aMissingFileIsNamedWithItsSetting() throws Exception {
            Path missing = dir.resolve("missing.pem");
            refused(secured(c -> c.caCert(missing)), "caCert", missing, List.of());
            refused(secured(c -> c.clientCert(missing).clientKey(dir.resolve("key.pem"))), "clientCert", missing,
                    List.of());
            Path certificate = certificate();
            refused(secured(c -> c.clientCert(certificate).clientKey(missing)), "clientKey", missing, List.of());
            refused(secured(c -> c.tokenFile(missing)), "tokenFile", missing, List.of());
        }

        @Test
        void aMalformedCertificateShowsNoneOfItsContent() throws Exception {
            Path bad = new BadPemFiles(dir).malformedCertificate();
            String body = BadPemFiles.NOT_A_CERTIFICATE;
            refused(secured(c -> c.caCert(bad)), "caCert", bad, List.of(body, body.substring(8, 32)));
            refused(secured(c -> c.clientCert(bad).clientKey(bad)), "clientCert", bad, List.of(body));
        }

        @Test
        void aMalformedOrForeignKeyShowsNoKeyMaterial() throws Exception {
            BadPemFiles files = new BadPemFiles(dir);
            Path certificate = certificate();
            Path foreign = files.foreignKey();
            assertThat(refused(secured(c -> c.clientCert(certificate).clientKey(foreign)), "clientKey", null,
                    files.keyLines())).hasMessageContaining("does not belong to the certificate of clientCert");

            Path truncated = files.truncatedKey();
            refused(secured(c -> c.clientCert(certificate).clientKey(truncated)), "clientKey", truncated,
                    files.keyLines());
        }
    }
}
