package io.waymark.discovery;

import static io.waymark.discovery.TestCertificates.certificatePem;
import static io.waymark.discovery.TestCertificates.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consul's environment variables as the consul CLI reads them, for what the builder leaves
 * unset: variable by variable, an explicit setting wins. (A child JVM with the real
 * variables: {@code EnvironmentIT}.)
 */
class ConsulEnvironmentTest {

    @TempDir
    static Path dir;
    private static Path ca;
    private static Path cert;
    private static Path key;
    private static Path token;

    @BeforeAll
    static void files() throws Exception {
        TestCertificates.Pair p = TestCertificates.generate(dir, "env", "EC", "ip:127.0.0.1");
        ca = write(dir, "ca.pem", certificatePem(p));
        cert = write(dir, "cert.pem", certificatePem(p));
        key = write(dir, "key.pem", TestCertificates.sec1Pem(p));
        token = write(dir, "token", "file-token\n");
    }

    private static Settings settings(ConsulDiscoveryBuilder b) {
        try (DefaultConsulDiscovery d = (DefaultConsulDiscovery) b.build()) {
            return d.settings;
        }
    }

    private static ConsulDiscoveryBuilder env(String... pairs) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return ConsulDiscovery.builder().environment(m);
    }

    @Test
    @DisplayName("CONSUL_HTTP_ADDR with https://, or CONSUL_HTTP_SSL for addresses without a scheme; empty is unset")
    void address() {
        assertThat(settings(env("CONSUL_HTTP_ADDR", "https://127.0.0.9:8501")).agents)
                .hasToString("[https://127.0.0.9:8501]");
        assertThat(settings(env("CONSUL_HTTP_ADDR", "127.0.0.9:8501", "CONSUL_HTTP_SSL", "true")).agents)
                .hasToString("[https://127.0.0.9:8501]");
        assertThat(settings(env("CONSUL_HTTP_ADDR", "unix:///run/consul/http.sock")).agents)
                .hasToString("[unix:///run/consul/http.sock]");
        assertThat(settings(env("CONSUL_HTTP_ADDR", "", "CONSUL_HTTP_TOKEN", "")).agents)
                .hasToString("[127.0.0.1:8500]");
        // the builder wins: its agents, its https(false), its explicit http://
        assertThat(settings(env("CONSUL_HTTP_ADDR", "127.0.0.9:8501", "CONSUL_HTTP_SSL", "1").agent("127.0.0.3")
                .https(false)).agents).hasToString("[127.0.0.3:8500]");
        assertThat(settings(env("CONSUL_HTTP_SSL", "true").agent("http://127.0.0.3").agent("127.0.0.4")).agents)
                .hasToString("[127.0.0.3:8500, https://127.0.0.4:8500]");
    }

    @Test
    @DisplayName("CONSUL_HTTP_TOKEN_FILE wins over CONSUL_HTTP_TOKEN; an explicit token wins over both")
    void token() {
        Settings s = settings(env("CONSUL_HTTP_TOKEN_FILE", token.toString(), "CONSUL_HTTP_TOKEN", "env-token"));
        assertThat(s.token.setting()).isEqualTo("CONSUL_HTTP_TOKEN_FILE");
        assertThat(settings(env("CONSUL_HTTP_TOKEN", "env-token")).token.setting()).isEqualTo("CONSUL_HTTP_TOKEN");
        assertThat(settings(env("CONSUL_HTTP_TOKEN_FILE", token.toString()).token("mine")).token.setting())
                .isEqualTo("token");
        assertThat(settings(env("CONSUL_HTTP_TOKEN", "env-token").tokenFile(token)).token.setting())
                .isEqualTo("tokenFile");
        Path missing = dir.resolve("missing-token");
        assertThatThrownBy(() -> env("CONSUL_HTTP_TOKEN_FILE", missing.toString()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("CONSUL_HTTP_TOKEN_FILE '" + missing + "' does not exist");
    }

    @Test
    @DisplayName("TLS variables fill what the builder leaves unset, group by group; CONSUL_CACERT wins over CONSUL_CAPATH")
    void tls() throws Exception {
        String https = "https://127.0.0.1:8501";
        Settings s = settings(env("CONSUL_CACERT", ca.toString(), "CONSUL_CAPATH", dir.resolve("nowhere").toString(),
                "CONSUL_CLIENT_CERT", cert.toString(), "CONSUL_CLIENT_KEY", key.toString()).agent(https));
        assertThat(s.tls.trust).isEqualTo("CONSUL_CACERT '" + ca + "'");
        assertThat(s.tls.identity).isEqualTo("CONSUL_CLIENT_CERT '" + cert + "'");
        Path cas = Files.createDirectories(dir.resolve("cas"));
        write(cas, "ca.pem", certificatePem(TestCertificates.generate(dir, "other", "EC", "ip:127.0.0.1")));
        Settings explicit = settings(env("CONSUL_CACERT", ca.toString(), "CONSUL_CLIENT_CERT", "/nonexistent")
                .agent(https).caPath(cas).keyStore(dir.resolve("env.p12"), "changeit"));
        assertThat(explicit.tls.trust).isEqualTo("caPath '" + cas + "'");
        assertThat(explicit.tls.identity).isEqualTo("keyStore '" + dir.resolve("env.p12") + "'");

        assertThatThrownBy(() -> env("CONSUL_CLIENT_CERT", cert.toString()).agent(https).build())
                .hasMessage("CONSUL_CLIENT_CERT is set without its private key (clientKey): set both");
        assertThatThrownBy(() -> env("CONSUL_CACERT", "/nonexistent/ca.pem").agent(https).build())
                .hasMessage("CONSUL_CACERT '/nonexistent/ca.pem' does not exist");
        assertThatThrownBy(() -> env("CONSUL_HTTP_SSL_VERIFY", "nope").agent(https).build())
                .hasMessage("CONSUL_HTTP_SSL_VERIFY must be true or false: 'nope'");
        assertThat(settings(env("CONSUL_HTTP_SSL_VERIFY", "false").agent(https)).tls.trust)
                .isEqualTo("none, verification is off");
        assertThat(settings(env("CONSUL_TLS_SERVER_NAME", "server.dc1.consul:8501").agent(https)).tls.socketFactory)
                .isInstanceOf(Tls.NamingSocketFactory.class);
        assertThatThrownBy(() -> env("CONSUL_HTTP_SSL", "maybe").build())
                .hasMessage("CONSUL_HTTP_SSL must be true or false: 'maybe'");
    }

    @Test
    @DisplayName("CONSUL_NAMESPACE and CONSUL_PARTITION, unless the builder sets them")
    void scope() {
        Settings s = settings(env("CONSUL_NAMESPACE", "team-a", "CONSUL_PARTITION", "part-1"));
        assertThat(s.namespace).isEqualTo("team-a");
        assertThat(s.partition).isEqualTo("part-1");
        assertThat(s.toString()).contains("namespace=team-a").contains("partition=part-1");
        assertThat(settings(env("CONSUL_NAMESPACE", "team-a").namespace("team-b")).namespace).isEqualTo("team-b");
        assertThatThrownBy(() -> env("CONSUL_PARTITION", "a b").build()).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("CONSUL_PARTITION must be a Consul namespace or partition name");
    }
}
