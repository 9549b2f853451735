package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import io.waymark.testkit.internal.Pem;
import io.waymark.testkit.internal.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.TestInstance;

/** One secured cluster (3 servers, a client agent) for the class; the nested groups run in order. */
@DisplayName("ConsulCluster.secured()")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class SecuredConsulClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private ConsulCluster consul;
    private ConsulSecurity security;
    private SSLContext tls;

    @BeforeAll
    void start() {
        long t0 = System.nanoTime();
        consul = ConsulCluster.builder().secured().servers(3).clientAgent("app").start();
        System.out.printf("secured ConsulCluster (3 servers, 1 client agent) started in %d ms%n",
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        security = consul.security();
        tls = Pem.sslContext(security.tls().caCertificate(), security.tls().clientCertificate(),
                security.tls().clientKey());
    }

    @AfterAll
    void stop() {
        if (consul != null) {
            consul.close();
        }
    }

    ConsulAgent app() {
        return consul.agent("app");
    }

    /** GET over HTTPS with the fixture's client certificate and {@code token} (null: none). */
    Http.Response get(ConsulAgent agent, String path, ConsulToken token) {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("https://" + agent.httpsAddress() + path))
                .timeout(Duration.ofSeconds(20));
        if (token != null) {
            r.header("X-Consul-Token", token.secretId());
        }
        try {
            HttpResponse<String> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
            return new Http.Response(resp.statusCode(), resp.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A TLS handshake with {@code agent} verifying the certificate against {@code serverName}. */
    void handshake(ConsulAgent agent, String serverName) throws IOException {
        String[] hp = agent.httpsAddress().split(":");
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 5000);
            try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, serverName,
                    Integer.parseInt(hp[1]), false)) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setServerNames(List.of(new SNIHostName(serverName)));
                s.setSSLParameters(p);
                s.setSoTimeout(5000);
                s.startHandshake();
            }
        }
    }

    @Nested
    @Order(1)
    @DisplayName("TLS")
    class Tls {

        @Test
        void everyAgentServesHttpsOn8501AndNoPlainHttp() {
            for (ConsulAgent a : consul.agents()) {
                assertThat(a.httpsAddress()).isEqualTo(a.host() + ":8501");
                assertThat(get(a, "/v1/status/leader", null).status()).isEqualTo(200);
                assertThatThrownBy(() -> new Socket(a.host(), 8500).close()).isInstanceOf(ConnectException.class);
                assertThatThrownBy(a::httpAddress).hasMessageContaining("httpsAddress()");
            }
            assertThat(consul.httpsAddress()).isEqualTo(app().httpsAddress());
            assertThat(consul.serverHttpsAddresses()).hasSize(3);
            assertThatThrownBy(consul::httpAddress).isInstanceOf(IllegalStateException.class);
        }

        @Test
        void theApiSpeaksHttp2OverTls() throws Exception {
            HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_2).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("https://" + app().httpsAddress() + "/v1/status/leader"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }

        @Test
        void aClientWithoutACertificateIsRefused() throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", Pem.certificates(security.tls().caCertificate()).get(0));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext trustOnly = SSLContext.getInstance("TLS");
            trustOnly.init(null, tmf.getTrustManagers(), null);
            // a raw TLS socket, not the JDK HttpClient: under TLS 1.3 the agent refuses the missing
            // certificate with an alert after the client's side of the handshake completed, and the
            // HttpClient sometimes never surfaced it (a CI run timed out after 20 s); a read does
            String[] hp = app().httpsAddress().split(":");
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 5000);
                try (SSLSocket tls = (SSLSocket) trustOnly.getSocketFactory().createSocket(raw, hp[0],
                        Integer.parseInt(hp[1]), false)) {
                    tls.setSoTimeout(20_000);
                    // refused (bad_certificate / certificate_required alert, or the connection closed), not timed out
                    assertThatThrownBy(() -> {
                        tls.startHandshake();
                        tls.getOutputStream().write(("GET /v1/status/leader HTTP/1.1\r\nHost: " + hp[0]
                                + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        tls.getOutputStream().flush();
                        if (tls.getInputStream().read() < 0) {
                            throw new java.io.EOFException("the agent closed the connection without an answer");
                        }
                    }).isInstanceOf(IOException.class).isNotInstanceOf(java.net.SocketTimeoutException.class);
                }
            }
        }

        @Test
        void certificatesOfAnotherCaAreRefusedBothWays() {
            ConsulSecurity.TlsFiles other = security.untrustedTls();
            // our client certificate, but trusting the other CA: the agent's certificate fails
            SSLContext wrongTrust = Pem.sslContext(other.caCertificate(), security.tls().clientCertificate(),
                    security.tls().clientKey());
            assertThatThrownBy(() -> Http.tls(wrongTrust).get(app().httpsAddress(), "/v1/status/leader"))
                    .hasRootCauseInstanceOf(CertPathBuilderException.class);
            // trusting the right CA, but presenting the other CA's certificate: the agent refuses it
            SSLContext foreignCert = Pem.sslContext(security.tls().caCertificate(), other.clientCertificate(),
                    other.clientKey());
            assertThatThrownBy(() -> Http.tls(foreignCert).get(app().httpsAddress(), "/v1/status/leader"))
                    .isInstanceOf(RuntimeException.class);
        }

        @Test
        void localhostVerifiesAgainstEveryAgentAndServerDc1ConsulAgainstServersOnly()
                throws Exception {
            assertThat(security.tlsServerName()).isEqualTo("localhost");
            for (ConsulAgent a : consul.agents()) {
                handshake(a, "localhost");
                handshake(a, a.host());
            }
            handshake(consul.servers().get(0), "server.dc1.consul");
            assertThatThrownBy(() -> handshake(app(), "server.dc1.consul")).isInstanceOf(SSLException.class);
            assertThatThrownBy(() -> handshake(app(), "nope.example")).isInstanceOf(SSLException.class);
        }
    }

    @Nested
    @Order(2)
    @DisplayName("ACLs")
    class Acls {

        @Test
        void defaultDenyHidesServicesFromRequestsWithoutAToken() {
            registerWeb();
            try {
                consul.awaitPassing("web", 1, WAIT);
                assertThat(instances(get(app(), "/v1/health/service/web?passing=true", security.readToken())))
                        .containsExactly(app().host() + ":8080");
                // Consul 1.8 filters what the token may not see: 200 and an empty list, no 403
                Http.Response none = get(app(), "/v1/health/service/web?passing=true", null);
                assertThat(none.status()).isEqualTo(200);
                assertThat(instances(none)).isEmpty();
                assertThat(get(app(), "/v1/agent/self", null).status()).isEqualTo(403);
            } finally {
                app().deregister("web");
            }
        }

        @Test
        void aTokenWithoutServiceReadSeesAnEmptyList() {
            registerWeb();
            ConsulToken nodesOnly = security.createTokenWithoutServiceRead();
            try {
                consul.awaitPassing("web", 1, WAIT);
                Http.Response r = get(app(), "/v1/health/service/web?passing=true", nodesOnly);
                assertThat(r.status()).isEqualTo(200);
                assertThat(instances(r)).isEmpty();
                assertThat(get(app(), "/v1/catalog/nodes", nodesOnly).body()).contains("\"app\"");
            } finally {
                security.deleteToken(nodesOnly);
                app().deregister("web");
            }
        }

        @Test
        void aCreatedTokenWorksUntilDeletedThenIsNotFound() {
            ConsulToken t = security.createToken(ConsulSecurity.READ_RULES);
            assertThat(get(app(), "/v1/catalog/services", t).status()).isEqualTo(200);
            security.deleteToken(t);
            Http.Response r = get(app(), "/v1/catalog/services", t);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).contains("ACL not found");
        }

        @Test
        void secretsNeverShowInToString() {
            List<ConsulToken> tokens = List.of(security.bootstrapToken(), security.readToken(),
                    security.agentToken());
            String shown = consul + " " + security + " " + tokens + consul.agents();
            for (ConsulToken t : tokens) {
                assertThat(t.secretId()).isNotBlank();
                assertThat(shown).doesNotContain(t.secretId()).contains(t.accessorId());
            }
            assertThat(security.bootstrapToken().secretId()).isNotEqualTo(security.readToken().secretId());
        }

        void registerWeb() {
            app().register(ServiceSpec.builder("web").address(app().host()).port(8080)
                    .tcpCheck(Duration.ofSeconds(1), app().httpsAddress()).build());
        }

        List<String> instances(Http.Response r) {
            assertThat(r.status()).isEqualTo(200);
            List<String> out = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(r.body())) {
                Map<?, ?> svc = (Map<?, ?>) ((Map<?, ?>) o).get("Service");
                out.add(svc.get("Address") + ":" + ((Number) svc.get("Port")).intValue());
            }
            return out;
        }
    }

    @Nested
    @Order(3)
    @DisplayName("role checks and faults")
    class RoleChecksAndFaults {

        @Test
        void roleCheckedRedisFollowsAnOutsidePromotionAfterAKill() {
            try (RedisReplication rr = RedisReplication.builder().replicas(1).port(6390).start();
                    ConsulCluster secured = securedWithRoleChecks(rr)) {
                secured.awaitPassing("w-master-redis-6390", 1, WAIT);
                secured.awaitPassing("r-slave-redis-6390", 1, WAIT);
                RedisNode old = rr.master();
                RedisNode replica = rr.replicas().get(0);
                Promotion<RedisNode> p = rr.promoteWhenMasterFails(Duration.ofMillis(500));
                old.kill();
                assertThat(p.await(WAIT)).isSameAs(replica);
                eventually(() -> secured.passing("w-master-redis-6390").equals(List.of(replica.address())));
                old.start();
                assertThat(old.role()).isEqualTo("slave");
                eventually(() -> secured.passing("r-slave-redis-6390").equals(List.of(old.address())));
            }
        }

        @Test
        void aKilledServerRestartsAndAFrozenClientAgentThawsOnItsOwn() {
            ConsulAgent server = consul.servers().get(2);
            long pid = server.pid();
            server.kill();
            assertThat(Pids.alive(pid)).isFalse();
            server.start();
            assertThat(get(server, "/v1/status/leader", null).body()).isNotEqualTo("\"\"");
            // long enough for the two checks below to run while frozen, even on a loaded machine
            app().freeze(Duration.ofSeconds(3));
            assertThat(app().isFrozen()).isTrue();
            assertThatThrownBy(() -> Http.tls(tls).get(app().httpsAddress(), "/v1/status/leader",
                    Duration.ofMillis(300))).isInstanceOf(RuntimeException.class);
            eventually(() -> !app().isFrozen());
            assertThat(get(app(), "/v1/status/leader", null).status()).isEqualTo(200);
        }

        ConsulCluster securedWithRoleChecks(RedisReplication rr) {
            ConsulCluster.Builder b = ConsulCluster.builder().secured().servers(1);
            int i = 0;
            for (RedisNode n : rr.nodes()) {
                b.clientAgent("redis0" + ++i, RoleChecks.redis(n, rr.password(), "w-master-redis-6390",
                        "r-slave-redis-6390", Duration.ofSeconds(1)));
            }
            return b.start();
        }

        void eventually(Callable<Boolean> condition) {
            Poll.until(WAIT, condition, () -> "condition not met");
        }
    }

    @Nested
    @Order(4)
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcessAndNoCertificateOrKeyFile() {
            List<Path> files = List.of(security.tls().caCertificate(), security.tls().clientCertificate(),
                    security.tls().clientKey());
            assertThat(files).allMatch(Files::exists);
            Pids.assertCloseEndsAll(consul.agents().stream().map(ConsulAgent::pid).toList(), consul::close);
            assertThat(files).noneMatch(Files::exists);
        }
    }
}
