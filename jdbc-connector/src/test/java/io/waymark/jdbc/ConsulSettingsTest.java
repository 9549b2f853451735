package io.waymark.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.waymark.discovery.BadPemFiles;
import io.waymark.discovery.ConsulProperty;
import io.waymark.jdbc.internal.ConsulUrl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery's Consul settings through the JDBC front doors: {@code ConsulDataSource}'s setters
 * (and HikariCP's {@code dataSource.*} properties, which call them by name), and the errors of
 * settings discovery refuses when the first connection builds its client: an {@link SQLException}
 * ({@code 08001}) naming the parameter and the file, never a token, a password or key material.
 */
class ConsulSettingsTest {

    private static final String TOKEN = "70ken-never-5hown-1234";
    private static final String PASSWORD = "db-pa55-never-shown";

    @TempDir
    Path dir;

    /** The setters' names, e.g. {@code caCert} for {@code setCaCert(String)}, that are discovery settings. */
    private static Map<String, ConsulProperty> discoverySetters() {
        Map<String, ConsulProperty> setters = new TreeMap<>();
        for (Method m : ConsulDataSource.class.getMethods()) {
            if (m.getName().startsWith("set") && m.getParameterCount() == 1 && m.getParameterTypes()[0] == String.class
                    && Modifier.isPublic(m.getModifiers())) {
                String name = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
                ConsulProperty.find(name).filter(p -> p.key().equals(name)).ifPresent(p -> setters.put(name, p));
            }
        }
        return setters;
    }

    @Nested
    class DataSourceSetters {

        @Test
        void everyConnectionSettingHasASetterThatReachesTheDiscoveryKey() throws Exception {
            Map<String, ConsulProperty> setters = discoverySetters();
            assertThat(setters.keySet()).containsExactlyInAnyOrder("agent", "https", "token", "tokenFile", "caCert",
                    "caPath", "trustStore", "trustStorePassword", "clientCert", "clientKey", "keyStore",
                    "keyStorePassword", "tlsServerName", "verifyHostname", "tlsVerify", "namespace", "partition");
            assertThat(Arrays.stream(ConsulProperty.values()).filter(p -> p.environmentVariable().isPresent())
                    .map(ConsulProperty::key)).as("every setting Consul's environment variables set")
                    .allMatch(setters::containsKey);
            ConsulDataSource ds = new ConsulDataSource();
            ds.setUrl("jdbc:consul:mysql://db/shop");
            Map<ConsulProperty, String> expected = new TreeMap<>();
            for (Map.Entry<String, ConsulProperty> e : setters.entrySet()) {
                String value = sample(e.getValue());
                ConsulDataSource.class.getMethod("set" + Character.toUpperCase(e.getKey().charAt(0))
                        + e.getKey().substring(1), String.class).invoke(ds, value);
                expected.put(e.getValue(), value);
            }
            ds.setReadService("replicas");
            ConsulUrl url = ConsulUrl.parse(ds.getUrl(), ds.properties());
            assertThat(url.discoveryKey().settings()).containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(url.readService()).isEqualTo("replicas");
            assertThat(url.discoveryKey().toString()).doesNotContain(TOKEN).doesNotContain(PASSWORD);
            ds.setCaCert(null);
            assertThat(ConsulUrl.parse(ds.getUrl(), ds.properties()).discoveryKey().settings())
                    .doesNotContainKey(ConsulProperty.CA_CERT);
        }

        /** A valid value: a path, a boolean, a name, a secret. */
        private String sample(ConsulProperty p) {
            return switch (p) {
                case AGENT -> "https://127.0.0.12:8501";
                case HTTPS, VERIFY_HOSTNAME, TLS_VERIFY -> "true";
                case TOKEN -> TOKEN;
                case TRUST_STORE_PASSWORD, KEY_STORE_PASSWORD -> PASSWORD;
                case TLS_SERVER_NAME -> "server.dc1.consul";
                case NAMESPACE, PARTITION -> "team-a";
                default -> "/etc/consul/" + p.kebabKey();
            };
        }

        @Test
        void aBadValueIsRefusedWhenSetNamingTheParameterNeverTheSecret() {
            ConsulDataSource ds = new ConsulDataSource();
            assertThatThrownBy(() -> ds.setHttps("yes")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("consul.https must be true or false: 'yes'");
            assertThatThrownBy(() -> ds.setCaCert(" ")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("consul.caCert must be a file path");
            assertThatThrownBy(() -> ds.setToken(TOKEN + "\u0000")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("consul.token").hasMessageNotContaining(TOKEN);
            assertThat(ds.properties()).isEmpty();
        }

        @Test
        void theUrlWinsOverASetter() throws SQLException {
            ConsulDataSource ds = new ConsulDataSource();
            ds.setUrl("jdbc:consul:mysql://db/shop?consul.caCert=/from/url.pem");
            ds.setCaCert("/from/setter.pem");
            assertThat(ConsulUrl.parse(ds.getUrl(), ds.properties()).discoveryKey().settings())
                    .containsEntry(ConsulProperty.CA_CERT, "/from/url.pem");
        }
    }

    @Nested
    class HikariDataSourceProperties {

        @Test
        void reachTheSettersByNameAndABadFileFailsThePoolNamingTheParameterAndTheFile() throws Exception {
            Path missing = dir.resolve("no-such-ca.pem");
            Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
            HikariConfig config = new HikariConfig();
            config.setPoolName("consul-settings");
            config.setDataSourceClassName(ConsulDataSource.class.getName());
            config.addDataSourceProperty("url", "jdbc:consul:mariadb://settings-" + System.nanoTime() + "/shop");
            config.addDataSourceProperty("agent", "https://127.0.0.1:8501");
            config.addDataSourceProperty("caCert", missing.toString());
            config.addDataSourceProperty("tokenFile", token.toString());
            config.addDataSourceProperty("user", "app");
            config.addDataSourceProperty("password", PASSWORD);
            config.setConnectionTimeout(1_000);
            Throwable failure = catchThrowable(() -> new HikariDataSource(config).close());
            SQLException e = sqlException(failure);
            assertThat(e.getSQLState()).isEqualTo("08001");
            assertThat(e.getMessage()).contains("consul.caCert").contains(missing.toString()).contains("does not exist");
            assertNoSecret(failure, List.of());
        }
    }

    @Nested
    class BadFilesInTheUrl {

        private String url(String parameters) {
            // a service of its own: nothing shared with another test's discovery client
            return "jdbc:consul:mariadb://bad-files-" + System.nanoTime() + "/shop?consul.agent=https://127.0.0.1:8501"
                    + "&consul.token=" + TOKEN + "&user=app&password=" + PASSWORD + "&" + parameters;
        }

        /** connect()'s error: 08001 naming the parameter and the file (null: discovery names settings only). */
        private SQLException refused(String parameters, String parameter, Path file, List<String> secrets) {
            Throwable t = catchThrowable(() -> DriverManager.getConnection(url(parameters)));
            SQLException e = sqlException(t);
            assertThat(e.getSQLState()).isEqualTo("08001");
            assertThat(e.getMessage()).contains(parameter).contains(file == null ? parameter : file.toString());
            assertNoSecret(e, secrets);
            return e;
        }

        private Path certificate() throws URISyntaxException {
            return Path.of(getClass().getResource("/tls/client-cert.pem").toURI());
        }

        @Test
        void aMissingFileIsNamedWithItsParameter() throws Exception {
            Path missing = dir.resolve("missing.pem");
            refused("consul.caCert=" + missing, "consul.caCert", missing, List.of());
            refused("consul.clientCert=" + missing + "&consul.clientKey=" + missing, "consul.clientCert", missing,
                    List.of());
            refused("consul.clientCert=" + certificate() + "&consul.clientKey=" + missing, "consul.clientKey", missing,
                    List.of());
            refused("consul.tokenFile=" + missing, "consul.tokenFile", missing, List.of());
        }

        @Test
        void aMalformedCertificateShowsNoneOfItsContent() throws Exception {
            Path bad = new BadPemFiles(dir).malformedCertificate();
            String body = BadPemFiles.NOT_A_CERTIFICATE;
            refused("consul.ca-cert=" + bad, "consul.caCert", bad, List.of(body, body.substring(8, 32)));
        }

        @Test
        void aMalformedOrForeignKeyShowsNoKeyMaterial() throws Exception {
            BadPemFiles files = new BadPemFiles(dir);
            Path foreign = files.foreignKey();
            assertThat(refused("consul.clientCert=" + certificate() + "&consul.clientKey=" + foreign,
                    "consul.clientKey", null, files.keyLines()).getMessage())
                    .contains("does not belong to the certificate of consul.clientCert");
            Path truncated = files.truncatedKey();
            refused("consul.clientCert=" + certificate() + "&consul.clientKey=" + truncated, "consul.clientKey",
                    truncated, files.keyLines());
        }
    }

    /** The first SQLException of {@code t}'s chain. */
    private static SQLException sqlException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException e) {
                return e;
            }
        }
        throw new AssertionError("no SQLException in " + t, t);
    }

    /** Neither the token, the password nor any of {@code secrets} anywhere in {@code t}'s stack trace. */
    private static void assertNoSecret(Throwable t, List<String> secrets) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        List<String> all = new ArrayList<>(secrets);
        all.addAll(List.of(TOKEN, PASSWORD));
        String text = trace.toString();
        assertThat(all).allSatisfy(s -> assertThat(text).doesNotContain(s));
        assertThat(text.toLowerCase(Locale.ROOT)).doesNotContain("begin ec private key").doesNotContain("begin private key");
    }
}
