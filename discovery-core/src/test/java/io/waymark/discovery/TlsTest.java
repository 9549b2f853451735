package io.waymark.discovery;

import static io.waymark.discovery.TestCertificates.certificatePem;
import static io.waymark.discovery.TestCertificates.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS settings against an HTTPS server that requires a client certificate (a scripted one: the
 * certificates here are made by keytool, with the names each case needs; the real Consul
 * agents and {@code consul tls} files are in {@code SecuredConsulIT}).
 */
class TlsTest {

    @TempDir
    static Path dir;
    private static TestCertificates.Pair agent;
    private static TestCertificates.Pair client;
    private static Path agentCert;
    private static Path clientCert;
    private static Path clientKey;

    private MockWebServer server;
    private ConsulDiscovery discovery;

    @BeforeAll
    static void certificates() throws Exception {
        agent = TestCertificates.generate(dir, "agent", "EC", "ip:127.0.0.1,dns:agent.example");
        client = TestCertificates.generate(dir, "client", "EC", "dns:client.example");
        agentCert = write(dir, "agent.pem", certificatePem(agent));
        clientCert = write(dir, "client.pem", certificatePem(client));
        clientKey = write(dir, "client-key.pem", TestCertificates.sec1Pem(client));
    }

    @AfterEach
    void stop() {
        if (discovery != null) {
            discovery.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** An agent on 127.0.0.1 presenting {@code agent}'s certificate, trusting {@code client}'s, requiring one. */
    private String start(boolean requireClientCertificate) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(agent.keyStore())) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("client", client.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return HttpWatchTest.health(5, "10.0.0.1");
            }
        });
        server.useHttps(ctx.getSocketFactory());
        if (requireClientCertificate) {
            server.requireClientAuth();
        }
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        return "https://127.0.0.1:" + server.getPort();
    }

    private ConsulDiscoveryBuilder builder(String agentAddress) {
        return ConsulDiscovery.builder().environment(Map.of()).agent(agentAddress).resolveTimeout(Duration.ofSeconds(5))
                .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    private void resolves(ConsulDiscoveryBuilder b) {
        discovery = b.build();
        assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");
        discovery.close();
        discovery = null;
    }

    private void fails(ConsulDiscoveryBuilder b, String... messageParts) {
        discovery = b.build();
        assertThatThrownBy(() -> discovery.resolve("web")).isInstanceOf(DiscoveryException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(messageParts));
        discovery.close();
        discovery = null;
    }

    @Test
    @DisplayName("mTLS: a CA file, and the client certificate from PEM files (SEC 1 key) or from a key store")
    void clientCertificate() throws Exception {
        String url = start(true);
        discovery = builder(url).caCert(agentCert).clientCert(clientCert).clientKey(clientKey).build();
        assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");
        RecordedRequest r = server.takeRequest();
        assertThat(r.getHandshake().peerCertificates()).containsExactly(client.certificate());
        discovery.close();
        discovery = null;

        resolves(builder(url).caCert(agentCert).keyStore(client.keyStore(), "changeit"));
        resolves(builder(url).property("caCert", agentCert.toString())
                .property("key-store", client.keyStore().toString()).property("consul.keyStorePassword", "changeit"));
        fails(builder(url).caCert(agentCert), "no client certificate is configured", "clientCert", "clientKey");
    }

    @Test
    @DisplayName("host names: the address, or tlsServerName, must be in the certificate unless verifyHostname is off")
    void hostNames() throws Exception {
        String url = start(false);
        resolves(builder(url).caCert(agentCert));
        resolves(builder(url).caCert(agentCert).tlsServerName("agent.example"));
        fails(builder(url).caCert(agentCert).tlsServerName("other.example"), "does not name the host",
                "tlsServerName", "CONSUL_TLS_SERVER_NAME");
        resolves(builder(url).caCert(agentCert).tlsServerName("other.example").verifyHostname(false));
        // the certificate names 127.0.0.1, not localhost
        fails(builder("https://localhost:" + server.getPort()).caCert(agentCert), "does not name the host");
    }

    @Test
    @DisplayName("trust: a CA directory, a trust store file; untrusted without them; anything with tlsVerify=false")
    void trust() throws Exception {
        String url = start(false);
        Path cas = Files.createDirectories(dir.resolve("cas"));
        write(cas, "agent.pem", certificatePem(agent));
        write(cas, "unrelated.pem", certificatePem(client));
        resolves(builder(url).caPath(cas));
        resolves(builder(url).trustStore(agent.keyStore(), "changeit"));
        fails(builder(url).caCert(clientCert), "not signed by a CA this client trusts", "caCert '" + clientCert + "'");
        fails(builder(url), "not signed by a CA this client trusts", "the JVM's trust store", "caCert");
        resolves(builder(url).tlsVerify(false));
    }

    @Test
    @DisplayName("build() names the setting and file that cannot be used, and conflicting settings")
    void buildErrors() throws Exception {
        String url = "https://127.0.0.1:8501";
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> builder(url).caCert(missing).build()).isInstanceOf(IllegalStateException.class)
                .hasMessage("caCert '" + missing + "' does not exist");
        assertThatThrownBy(() -> builder(url).property("consul.caCert", missing.toString()).build())
                .hasMessage("consul.caCert '" + missing + "' does not exist");
        Path junk = dir.resolve("junk-dir");
        write(Files.createDirectories(junk), "README", "not a certificate");
        assertThatThrownBy(() -> builder(url).caPath(junk).build())
                .hasMessageStartingWith("caPath '" + junk.resolve("README") + "' holds no PEM certificate");
        assertThatThrownBy(() -> builder(url).trustStore(agent.keyStore(), "wrong").build())
                .hasMessage("trustStore '" + agent.keyStore() + "' cannot be opened with the trust store password given "
                        + "(wrong password?)");
        assertThatThrownBy(() -> builder(url).caCert(agentCert).caPath(junk).build())
                .hasMessage("set one source of trust, not caCert and caPath");
        assertThatThrownBy(() -> builder(url).clientCert(clientCert).build())
                .hasMessage("clientCert is set without its private key (clientKey): set both");
        assertThatThrownBy(() -> builder(url).clientKey(clientKey).build())
                .hasMessage("clientKey is set without a client certificate (clientCert): set both");
        assertThatThrownBy(() -> builder(url).clientCert(clientCert).clientKey(clientKey)
                .keyStore(client.keyStore(), "changeit").build())
                .hasMessage("set one client certificate, clientCert and clientKey or a key store, not both: clientCert, "
                        + "clientKey, keyStore");
        Path agentKey = write(dir, "agent-key.pem", TestCertificates.pkcs8Pem(agent));
        assertThatThrownBy(() -> builder(url).clientCert(clientCert).clientKey(agentKey).build())
                .hasMessageStartingWith("clientKey does not belong to the certificate of clientCert");
        // TLS settings for plain agents are a mistake; the same from the environment are ignored, as by the CLI
        assertThatThrownBy(() -> builder("127.0.0.1:8500").caCert(agentCert).build())
                .hasMessage("caCert set, but no agent uses https: [127.0.0.1:8500] (write agents as https://host:8501, "
                        + "or set https)");
        ConsulDiscovery.builder().environment(Map.of("CONSUL_CACERT", missing.toString())).agent("127.0.0.1:8500")
                .build().close();
    }
}
