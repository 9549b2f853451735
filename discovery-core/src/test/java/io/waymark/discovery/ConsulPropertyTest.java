package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The string-keyed settings every text front door uses (JDBC URL, data source setters,
 * Spring): key spellings, value forms, and errors that name the key as it was given.
 */
class ConsulPropertyTest {

    private static Settings settings(ConsulDiscoveryBuilder b) {
        try (DefaultConsulDiscovery d = (DefaultConsulDiscovery) b.build()) {
            return d.settings;
        }
    }

    private static ConsulDiscoveryBuilder builder() {
        return ConsulDiscovery.builder().environment(Map.of());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"caCert, CA_CERT", "ca-cert, CA_CERT", "CA_CERT, CA_CERT", "consul.caCert, CA_CERT",
        "waymark.consul.ca-cert, CA_CERT", "consul.tlsServerName, TLS_SERVER_NAME", "token-file, TOKEN_FILE",
        "Consul.TokenFile, TOKEN_FILE", "agent, AGENT", "https, HTTPS", "key-store-password, KEY_STORE_PASSWORD"})
    void spellings(String key, ConsulProperty expected) {
        assertThat(ConsulProperty.of(key)).isEqualTo(expected);
    }

    @Test
    @DisplayName("keys: camelCase and kebab-case forms, environment variables, secrets")
    void table() {
        assertThat(ConsulProperty.CA_CERT.key()).isEqualTo("caCert");
        assertThat(ConsulProperty.TLS_SERVER_NAME.kebabKey()).isEqualTo("tls-server-name");
        assertThat(ConsulProperty.CLIENT_KEY.environmentVariable()).contains("CONSUL_CLIENT_KEY");
        assertThat(ConsulProperty.TRUST_STORE.environmentVariable()).isEmpty();
        assertThat(Arrays.stream(ConsulProperty.values()).filter(ConsulProperty::secret))
                .containsExactlyInAnyOrder(ConsulProperty.TOKEN, ConsulProperty.TRUST_STORE_PASSWORD,
                        ConsulProperty.KEY_STORE_PASSWORD);
        assertThat(ConsulProperty.find("consul.readService")).isEmpty();
        assertThatThrownBy(() -> ConsulProperty.of("consul.caCrt")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown Consul setting 'consul.caCrt': expected one of agent, https, token, "
                        + "tokenFile, caCert, caPath");
    }

    @Test
    @DisplayName("the module README's table lists every key with its environment variable")
    void readme() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(Path.of("README.md"));
        for (ConsulProperty p : ConsulProperty.values()) {
            String row = "| `" + p.key() + "` | " + p.form() + (p.secret() ? " (secret: never shown)" : "") + " | "
                    + p.environmentVariable().map(v -> "`" + v + "`").orElse("") + " | " + p.description() + " |";
            assertThat(readme).as("README row of %s", p.key()).contains(row);
        }
    }

    @Test
    @DisplayName("every kind of value reaches the settings")
    void applied() {
        Settings s = settings(builder().property("consul.agent", "127.0.0.5:8500, https://127.0.0.6")
                .property("consul.token", " secret-token\n").property("namespace", "team-a")
                .property("partition", "part-1").property("consistency", "STALE").property("max-staleness", "2s")
                .property("includeWarning", "t").property("resolveTimeout", "1500")
                .property("requestTimeout", "PT3S").property("blockingWait", "1m").property("maxWatches", "20")
                .property("agentProbeInterval", "0").property("idleWatchTimeout", "1h").property("domain", "corp")
                .property("pollInterval", "250ms").property("tlsVerify", "false"));
        assertThat(s.agents).hasToString("[127.0.0.5:8500, https://127.0.0.6:8500]");
        assertThat(s.token.describe()).isEqualTo("<hidden>");
        assertThat(s.namespace).isEqualTo("team-a");
        assertThat(s.partition).isEqualTo("part-1");
        assertThat(s.consistency).isEqualTo(Consistency.STALE);
        assertThat(s.maxStaleness).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.includeWarning).isTrue();
        assertThat(s.resolveTimeout).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.requestTimeout).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.blockingWait).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.maxWatches).isEqualTo(20);
        assertThat(s.agentProbeInterval).isZero();
        assertThat(s.idleWatchTimeout).isEqualTo(Duration.ofHours(1));
        assertThat(s.domain).isEqualTo("corp");
        assertThat(s.pollInterval).isEqualTo(Duration.ofMillis(250));
        assertThat(s.tls.trust).isEqualTo("none, verification is off");

        Settings dns = settings(builder().property("mode", "dns").property("dns-agent", "127.0.0.7:8600,127.0.0.8"));
        assertThat(dns.mode).isEqualTo(DiscoveryMode.DNS);
        assertThat(dns.dnsAgents).hasToString("[127.0.0.7:8600, 127.0.0.8:8600]");
        Settings https = settings(builder().property("agent", "127.0.0.9:8501").property("https", "1")
                .property("tls-server-name", "server.dc1.consul:8501"));
        assertThat(https.agents).hasToString("[https://127.0.0.9:8501]");
        assertThat(https.tls.socketFactory).isInstanceOf(Tls.NamingSocketFactory.class);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "consul.resolveTimeout | soon | consul.resolveTimeout must be a duration like 500ms, 10s, 5m, 1h or PT10S "
                + "(a plain number is milliseconds): 'soon'",
        "consul.resolveTimeout | 0s | consul.resolveTimeout must be positive: PT0S",
        "waymark.consul.blocking-wait | 500ms | waymark.consul.blocking-wait must be in 1s..10m: PT0.5S",
        "consul.maxWatches | lots | consul.maxWatches must be an integer: 'lots'",
        "consul.maxWatches | 0 | consul.maxWatches must be in 1..100000: 0",
        "consul.https | yes | consul.https must be true or false: 'yes'",
        "consul.mode | grpc | consul.mode must be one of http, dns: 'grpc'",
        "consul.agent | ' , ' | consul.agent must be an agent address (or several, comma-separated), but is empty",
        "consul.agent | 127.0.0.1:99999 | consul.agent port must be in 1..65535: 99999 in '127.0.0.1:99999'",
        "consul.caCert | '  ' | consul.caCert must be a file path, but is empty",
        "consul.tlsServerName | a/b | consul.tlsServerName must be a host name as the agents' certificates carry it "
                + "(letters, digits, '.', '-'), e.g. server.dc1.consul: 'a/b'",
        "consul.namespace | -team | consul.namespace must be a Consul namespace or partition name (letters, digits "
                + "and '-', at most 64, not starting or ending with '-'): '-team'",
        "consul.agentProbeInterval | 50ms | consul.agentProbeInterval must be 0 (off) or at least 100ms: PT0.05S"})
    void badValues(String key, String value, String message) {
        assertThatThrownBy(() -> builder().property(key, value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    @DisplayName("a secret's bad value is not shown")
    void secretsNotShown() {
        assertThatThrownBy(() -> builder().property("consul.token", "S3CRET\u0000")).hasMessageStartingWith(
                "consul.token must be visible ASCII").hasMessageContaining("value not shown")
                .hasMessageNotContaining("S3CRET");
        assertThatThrownBy(() -> builder().property("consul.token", "  ")).hasMessage("consul.token must not be blank");
        ConsulDiscoveryBuilder b = builder().property("consul.keyStorePassword", "pa55word");
        assertThat(b.toString()).doesNotContain("pa55word");
    }

    @Test
    @DisplayName("files from properties are read by build(), whose errors name the key as given")
    void filesNamedByKey(@org.junit.jupiter.api.io.TempDir Path dir) {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> builder().property("agent", "https://127.0.0.1:8501")
                .property("waymark.consul.client-cert", missing.toString())
                .property("waymark.consul.client-key", missing.toString()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("waymark.consul.client-cert '" + missing + "' does not exist");
        assertThatThrownBy(() -> builder().property("consul.tokenFile", missing.toString()).build())
                .hasMessage("consul.tokenFile '" + missing + "' does not exist");
    }
}
