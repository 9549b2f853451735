package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.discovery.DiscoveryStats.ErrorKind;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.ConsulToken;
import io.waymark.testkit.ServiceSpec;
import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import io.waymark.testkit.internal.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real secured Consul (testkit: HTTPS only, {@code verify_incoming}, ACLs with
 * {@code default_policy = deny}): mTLS with the PEM files {@code consul tls} writes (an EC key
 * in SEC 1 form), a token file and its rotation, and the errors of a client that lacks
 * something, each naming the cause within the resolve timeout.
 *
 * <p>Services are registered on the server; the discovery asks the client agent "app", so
 * that the fixture's own HTTPS connections never count as the discovery's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredConsulIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(5);
    private static final AtomicInteger SEQ = new AtomicInteger();

    private ConsulCluster consul;
    private ConsulSecurity security;
    private ConsulAgent app;
    private ConsulAgent server;
    @RegisterExtension
    final Opened opened = new Opened();
    @TempDir
    Path dir;

    @BeforeAll
    void start() {
        consul = ConsulCluster.builder().secured().servers(1).clientAgent("app").start();
        security = consul.security();
        app = consul.agent("app");
        server = consul.servers().get(0);
    }

    @AfterAll
    void stop() {
        if (consul != null) {
            consul.close();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    private String register(String service, int instance) {
        String address = "127.0.0." + (100 + instance);
        server.register(ServiceSpec.builder(service).id(service + "-" + instance).address(address).port(80).build());
        return address + ":80";
    }

    /** A builder for the app agent over mTLS, without the environment, no token yet. */
    private ConsulDiscoveryBuilder mtls() {
        return mtls(app);
    }

    private ConsulDiscoveryBuilder mtls(ConsulAgent agent) {
        ConsulSecurity.TlsFiles tls = security.tls();
        return ConsulDiscovery.builder().environment(Map.of()).agent("https://" + agent.httpsAddress())
                .caCert(tls.caCertificate()).clientCert(tls.clientCertificate()).clientKey(tls.clientKey())
                .resolveTimeout(RESOLVE_TIMEOUT).retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    private Path tokenFile(ConsulToken token) throws IOException {
        Path f = dir.resolve(unique("token"));
        Files.writeString(f, token.secretId() + "\n");
        return f;
    }

    @Test
    @DisplayName("mTLS with consul tls's PEM files (SEC 1 EC key) and a token file: resolve and watch")
    void resolveAndWatch() throws IOException {
        String svc = unique("web");
        String first = register(svc, 1);
        ConsulDiscovery d = opened.track(mtls().tokenFile(tokenFile(security.readToken())).build());
        assertThat(Recorder.addresses(d.resolve(svc))).containsExactly(first);
        Recorder rec = new Recorder();
        d.watch(svc, rec);
        String second = register(svc, 2);
        await().atMost(WAIT).until(() -> rec.addresses().equals(List.of(first, second)));
        assertThat(d.resolve(svc).stale()).isFalse();
    }

    @Test
    @DisplayName("tlsServerName: checked against that name instead of the address; a name the certificate lacks fails")
    void serverName() throws IOException {
        String svc = unique("named");
        String first = register(svc, 1);
        Path token = tokenFile(security.readToken());
        ConsulDiscovery ok = opened.track(mtls().tlsServerName("client.dc1.consul").tokenFile(token).build());
        assertThat(Recorder.addresses(ok.resolve(svc))).containsExactly(first);

        // server.dc1.consul is in the servers' certificates only
        ConsulDiscovery wrong = opened.track(mtls().tlsServerName("server.dc1.consul").tokenFile(token).build());
        assertThatThrownBy(() -> wrong.resolve(svc)).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("does not name the host").hasMessageContaining("tlsServerName");
    }

    @Test
    @DisplayName("no client certificate: an error saying the agent requires one, within the resolve timeout")
    void noClientCertificate() throws IOException {
        ConsulDiscovery d = opened.track(ConsulDiscovery.builder().environment(Map.of())
                .agent("https://" + app.httpsAddress()).caCert(security.tls().caCertificate())
                .tokenFile(tokenFile(security.readToken())).resolveTimeout(RESOLVE_TIMEOUT).build());
        long start = System.nanoTime();
        assertThatThrownBy(() -> d.resolve(unique("any"))).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("no client certificate is configured")
                .hasMessageContaining("clientCert").hasMessageContaining("CONSUL_CLIENT_CERT");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(RESOLVE_TIMEOUT);
    }

    @Test
    @DisplayName("a CA that did not sign the agents: an error naming the caCert file, within the resolve timeout")
    void wrongCa() throws IOException {
        Path otherCa = security.untrustedTls().caCertificate();
        ConsulDiscovery d = opened.track(mtls().caCert(otherCa).tokenFile(tokenFile(security.readToken())).build());
        long start = System.nanoTime();
        assertThatThrownBy(() -> d.resolve(unique("any"))).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("not signed by a CA this client trusts")
                .hasMessageContaining("caCert '" + otherCa + "'");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(RESOLVE_TIMEOUT);
    }

    @Test
    @DisplayName("a client certificate of another CA: an error saying the agent refused it")
    void foreignClientCertificate() throws IOException {
        ConsulSecurity.TlsFiles foreign = security.untrustedTls();
        ConsulDiscovery d = opened.track(mtls().clientCert(foreign.clientCertificate()).clientKey(foreign.clientKey())
                .tokenFile(tokenFile(security.readToken())).build());
        assertThatThrownBy(() -> d.resolve(unique("any"))).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("refused the client certificate")
                .hasMessageContaining(foreign.clientCertificate().toString());
    }

    @Test
    @DisplayName("a token lacking service:read: Consul answers 200 [], the first lookup fails naming the permission")
    void tokenWithoutServiceRead() throws IOException {
        String svc = unique("hidden");
        register(svc, 1);
        ConsulToken token = security.createTokenWithoutServiceRead();
        ConsulDiscovery d = opened.track(mtls().tokenFile(tokenFile(token)).build());
        long start = System.nanoTime();
        assertThatThrownBy(() -> d.resolve(svc)).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("answered no instances of '" + svc + ".service.consul'")
                .hasMessageContaining("may not read service '" + svc + "'")
                .hasMessageContaining("the ACL token (tokenFile)")
                .hasMessageContaining("service:read on '" + svc + "'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token.secretId()));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(RESOLVE_TIMEOUT);
        assertThat(d.stats().errors(ErrorKind.ACL_DENIED)).isPositive();

        // without any token the agent's default (anonymous) token is used: the message says so
        ConsulDiscovery anonymous = opened.track(mtls().build());
        assertThatThrownBy(() -> anonymous.resolve(svc)).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("no ACL token is set").hasMessageContaining("service:read");

        // a name that really has no instance, with a token that may read it: empty, not an error
        ConsulDiscovery allowed = opened.track(mtls().tokenFile(tokenFile(security.readToken())).build());
        assertThat(allowed.resolve(unique("nothing")).isEmpty()).isTrue();
    }

    @Test
    @DisplayName("403 (token deleted): last endpoints kept stale, a new name fails naming the ACL problem, no rotation")
    void deletedToken() throws IOException {
        String svc = unique("acl-web");
        String first = register(svc, 1);
        ConsulToken token = security.createToken(ConsulSecurity.READ_RULES);
        try (ServerSocket sentinel = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger connections = accept(sentinel);
            ConsulDiscovery d = opened.track(mtls().agent("https://127.0.0.1:" + sentinel.getLocalPort())
                    .token(token.secretId()).blockingWait(Duration.ofSeconds(1)).build());
            assertThat(Recorder.addresses(d.resolve(svc))).containsExactly(first);

            security.deleteToken(token);
            await().atMost(WAIT).until(() -> d.resolve(svc).stale());
            assertThat(Recorder.addresses(d.resolve(svc))).containsExactly(first);
            String other = unique("acl-other");
            assertThatThrownBy(() -> d.resolve(other)).isInstanceOf(DiscoveryException.class)
                    .hasMessageContaining("refused to list '" + other + ".service.consul'")
                    .hasMessageContaining("ACL not found")
                    .hasMessageContaining("service:read on '" + other + "'")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token.secretId()));
            // the watch keeps retrying (backoff up to 500 ms) on the same agent
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> d.resolve(svc).stale());
            assertThat(connections.get()).as("connections to the second agent").isZero();
            assertThat(d.stats().errors(ErrorKind.ACL_DENIED)).isGreaterThanOrEqualTo(2);
            assertThat(d.stats().agentRotations()).isZero();
        }
    }

    /** A bare listening socket standing in for a second agent: any connection to it is a rotation. */
    private static AtomicInteger accept(ServerSocket sentinel) {
        AtomicInteger n = new AtomicInteger();
        Thread t = new Thread(() -> {
            while (!sentinel.isClosed()) {
                try (Socket s = sentinel.accept()) {
                    n.incrementAndGet();
                } catch (IOException e) {
                    // closed: the test is done
                }
            }
        }, "secured-it-sentinel");
        t.setDaemon(true);
        t.start();
        return n;
    }

    @Test
    @DisplayName("an empty answer while the token may not read the service is withheld, stale; a real one is published")
    void emptyByAcl() {
        String svc = unique("acl-db");
        String first = register(svc, 1);
        String rules = "service \"" + svc + "\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }";
        String policy = policy(svc, rules);
        // a policy change wakes no blocking query: a short wait lets the watch see it. The server, because a
        // client agent answers the ACL check from its cache (acl.policy_ttl, 30 s): the permission given back
        // would only show there within 30 s, and the real removal below would be withheld until then
        ConsulDiscovery d = opened.track(mtls(server).token(tokenWith(policy)).blockingWait(Duration.ofSeconds(1))
                .build());
        Recorder rec = new Recorder();
        d.watch(svc, rec);
        await().atMost(WAIT).until(() -> rec.addresses().equals(List.of(first)));

        // the token loses service:read: Consul answers 200 [] rather than refusing
        updatePolicy(policy, svc, "node_prefix \"\" { policy = \"read\" }");
        await().atMost(WAIT).until(() -> d.stats().aclEmptySuspicions() > 0);
        Endpoints e = d.resolve(svc);
        assertThat(e.stale()).isTrue();
        assertThat(Recorder.addresses(e)).containsExactly(first);
        assertThat(rec.calls).hasSize(1);

        // allowed again: fresh, same endpoints, never an empty list in between
        updatePolicy(policy, svc, rules);
        await().atMost(WAIT).until(() -> !d.resolve(svc).stale());
        assertThat(Recorder.addresses(d.resolve(svc))).containsExactly(first);
        assertThat(rec.calls).hasSize(1);

        // really gone: published as empty, fresh
        server.deregister(svc + "-1");
        await().atMost(WAIT).until(() -> rec.last().isEmpty());
        assertThat(d.resolve(svc).stale()).isFalse();
    }

    @Test
    @DisplayName("the probe needs no token: an agent enforcing ACLs is not taken for a dead one")
    void probeWithoutToken() throws IOException {
        String svc = unique("acl-probe");
        register(svc, 1);
        ConsulDiscovery d = opened.track(mtls().tokenFile(tokenFile(security.readToken())).build());
        assertThat(d.resolve(svc).isEmpty()).isFalse();
        // blocking queries in flight get probed every 2 s; a refused probe would mark the agent down
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() -> !d.resolve(svc).stale());
        assertThat(d.stats().agentRotations()).isZero();
    }

    // ACL administration the fixture does not offer: a policy whose rules change under one token

    private Http admin() {
        ConsulSecurity.TlsFiles tls = security.tls();
        return Http.tls(Pem.sslContext(tls.caCertificate(), tls.clientCertificate(), tls.clientKey()));
    }

    /** Creates policy {@code name}; returns its ID. */
    private String policy(String name, String rules) {
        Map<?, ?> r = (Map<?, ?>) Json.parse(admin().putOk(server.httpsAddress(), "/v1/acl/policy",
                Json.write(Map.of("Name", name, "Rules", rules)), security.bootstrapToken().secretId()));
        return String.valueOf(r.get("ID"));
    }

    private void updatePolicy(String id, String name, String rules) {
        admin().putOk(server.httpsAddress(), "/v1/acl/policy/" + id, Json.write(Map.of("Name", name, "Rules", rules)),
                security.bootstrapToken().secretId());
    }

    /** A new token with policy {@code id}; returns its secret. */
    private String tokenWith(String policyId) {
        Map<?, ?> r = (Map<?, ?>) Json.parse(admin().putOk(server.httpsAddress(), "/v1/acl/token",
                Json.write(Map.of("Policies", List.of(Map.of("ID", policyId)))), security.bootstrapToken().secretId()));
        return String.valueOf(r.get("SecretID"));
    }

    @Test
    @DisplayName("rotation: new token written to the file, old one deleted, instance added: seen within 2 s, never stale")
    void rotation() throws Exception {
        rotate(false);
    }

    @Test
    @DisplayName("rotation the file's attributes do not show (same size, mtime put back): the 403 makes it re-read")
    void rotationUnnoticed() throws Exception {
        rotate(true);
    }

    private void rotate(boolean hideChange) throws Exception {
        String svc = unique("rotating");
        String first = register(svc, 1);
        ConsulToken old = security.createToken(ConsulSecurity.READ_RULES);
        Path file = tokenFile(old);
        ConsulDiscovery d = opened.track(mtls().tokenFile(file).build());
        Recorder rec = new Recorder();
        d.watch(svc, rec);
        await().atMost(WAIT).until(() -> rec.addresses().equals(List.of(first)));
        // the blocking query is in flight with the old token now
        List<String> bad = new CopyOnWriteArrayList<>();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                Endpoints e = d.resolve(svc);
                if (e.stale() || e.isEmpty()) {
                    bad.add(e.toString());
                }
            }
        }, "rotation-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            ConsulToken fresh = security.createToken(ConsulSecurity.READ_RULES);
            if (hideChange) {
                FileTime before = Files.getLastModifiedTime(file);
                Files.writeString(file, fresh.secretId() + "\n");
                Files.setLastModifiedTime(file, before);
            } else {
                Path tmp = dir.resolve(unique("token.tmp"));
                Files.writeString(tmp, fresh.secretId() + "\n");
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            security.deleteToken(old);
            long start = System.nanoTime();
            String second = register(svc, 2);
            await().atMost(Duration.ofSeconds(2)).until(() -> rec.addresses().equals(List.of(first, second)));
            long seenMillis = (System.nanoTime() - start) / 1_000_000;
            // then it goes on with the new token: a later change is seen too
            String third = register(svc, 3);
            await().atMost(Duration.ofSeconds(2)).until(() -> rec.addresses().equals(List.of(first, second, third)));
            assertThat(bad).as("stale or empty answers during the rotation (seen after %d ms)", seenMillis).isEmpty();
            assertThat(rec.calls).hasSize(3);
            assertThat(d.stats().errors(ErrorKind.ACL_DENIED)).isZero();
        } finally {
            sampler.interrupt();
            sampler.join(5000);
        }
    }

    @Test
    @DisplayName("an HTTP/2 agent frozen: its connection's PINGs go unanswered, the watch moves on within seconds")
    void frozenHttp2Agent() throws IOException {
        String svc = unique("frozen");
        String first = register(svc, 1);
        // the backoff keeps the stale moment between giving up on app and asking the server observable
        ConsulDiscovery d = opened.track(mtls().agent("https://" + server.httpsAddress())
                .tokenFile(tokenFile(security.readToken())).retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
                .build());
        Recorder rec = new Recorder();
        d.watch(svc, rec);
        await().atMost(WAIT).until(() -> rec.addresses().equals(List.of(first)));
        app.freeze();
        try {
            long start = System.nanoTime();
            // PING every 2 s: unanswered within 2-4 s; OkHttp then tries a new connection, whose handshake the
            // frozen agent never answers (bounded by the request timeout, 5 s): noticed within about 9 s
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> d.resolve(svc)
                    .stale());
            long noticedMillis = (System.nanoTime() - start) / 1_000_000;
            String second = register(svc, 2);
            await().atMost(Duration.ofSeconds(15)).until(() -> rec.addresses().equals(List.of(first, second)));
            assertThat(d.resolve(svc).stale()).as("served by the server agent").isFalse();
            assertThat(d.stats().agentRotations()).as("noticed after %d ms", noticedMillis).isPositive();
        } finally {
            app.thaw();
        }
    }

    @Test
    @DisplayName("a namespace is sent (?ns=): Consul OSS 1.8 refuses it, and the error quotes it")
    void namespaceSent() throws IOException {
        ConsulDiscovery d = opened.track(mtls().tokenFile(tokenFile(security.readToken())).namespace("team-a").build());
        assertThatThrownBy(() -> d.resolve(unique("ns"))).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("HTTP 400").hasMessageContaining("ns");
    }
}
