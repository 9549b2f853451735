package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Blocking-query mechanics that real Consul cannot be made to show on demand (an index
 * going backwards or below 1), against a scripted HTTP server. Everything else is tested
 * against real Consul in the ITs.
 */
class HttpWatchTest {

    @Nested
    @DisplayName("index rules")
    class IndexRules {

        @Test
        void forward() {
            assertThat(HttpWatch.nextIndex(10, BigInteger.valueOf(12))).isEqualTo(12);
            assertThat(HttpWatch.nextIndex(10, BigInteger.valueOf(10))).isEqualTo(10);
        }

        @Test
        void backwardsResetsToZero() {
            assertThat(HttpWatch.nextIndex(10, BigInteger.valueOf(9))).isZero();
        }

        @Test
        void belowOneIsOne() {
            assertThat(HttpWatch.nextIndex(0, BigInteger.ZERO)).isEqualTo(1);
            assertThat(HttpWatch.nextIndex(0, null)).isEqualTo(1);
        }
    }

    /**
     * Answers from a script, first from the responses kept for the requested service, then from
     * the shared ones; once both are empty, holds requests like a blocking query.
     */
    static final class Script extends Dispatcher {
        final Deque<MockResponse> responses = new ArrayDeque<>();
        final Map<String, Deque<MockResponse>> byService = new HashMap<>();
        final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
        final CountDownLatch released = new CountDownLatch(1);

        synchronized Script add(MockResponse r) {
            responses.add(r);
            return this;
        }

        /** A response only for requests of {@code service}, whatever else is in flight. */
        synchronized Script addFor(String service, MockResponse r) {
            byService.computeIfAbsent(service, k -> new ArrayDeque<>()).add(r);
            return this;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            if (HttpTransport.PROBE_PATH.equals(request.getUrl().encodedPath())) {
                // the agent probe: alive, and not part of the script
                return new MockResponse.Builder().code(200).body("{}").build();
            }
            requests.add(request);
            MockResponse next;
            String path = request.getUrl().encodedPath();
            String service = path.substring(path.lastIndexOf('/') + 1);
            synchronized (this) {
                Deque<MockResponse> own = byService.get(service);
                next = own != null && !own.isEmpty() ? own.poll() : responses.poll();
            }
            if (next != null) {
                return next;
            }
            released.await(3, TimeUnit.SECONDS);
            return new MockResponse.Builder().code(500).body("script exhausted").build();
        }

        RecordedRequest take() throws InterruptedException {
            RecordedRequest r = requests.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a request within 10 s").isNotNull();
            return r;
        }
    }

    static MockResponse health(long index, String... hosts) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < hosts.length; i++) {
            if (i > 0) {
                body.append(',');
            }
            body.append("{\"Node\":{\"ID\":\"\",\"Node\":\"node").append(i)
                    .append("\",\"Address\":\"127.0.0.1\",\"Datacenter\":\"dc1\"},")
                    .append("\"Service\":{\"ID\":\"web-").append(i).append("\",\"Service\":\"web\",\"Tags\":[\"t\"],")
                    .append("\"Address\":\"").append(hosts[i]).append("\",\"Meta\":{\"k\":\"v\"},\"Port\":80,")
                    .append("\"EnableTagOverride\":false},")
                    .append("\"Checks\":[{\"Node\":\"node").append(i).append("\",\"CheckID\":\"serfHealth\",")
                    .append("\"Name\":\"Serf\",\"Status\":\"passing\",\"Notes\":\"\",\"Output\":\"\",")
                    .append("\"ServiceID\":\"\",\"ServiceName\":\"\",\"ServiceTags\":[]}]}");
        }
        body.append(']');
        MockResponse.Builder b = new MockResponse.Builder().code(200).body(body.toString())
                .addHeader("Content-Type", "application/json").addHeader("X-Consul-KnownLeader", "true")
                .addHeader("X-Consul-LastContact", "0");
        if (index >= 0) {
            b.addHeader("X-Consul-Index", String.valueOf(index));
        }
        return b.build();
    }

    private final Script script = new Script();
    private MockWebServer server;
    private ConsulDiscovery discovery;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.setDispatcher(script);
        server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() {
        if (discovery != null) {
            discovery.close();
        }
        script.released.countDown();
        server.close();
    }

    private ConsulDiscovery discovery(String token) {
        ConsulDiscoveryBuilder b = ConsulDiscovery.builder().agent("127.0.0.1:" + server.getPort())
                .blockingWait(Duration.ofSeconds(7)).watchRateLimit(1000, 100)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
        if (token != null) {
            b.token(token);
        }
        discovery = b.build();
        return discovery;
    }

    @Test
    @DisplayName("index backwards: next request starts over at 0; index 0: next request blocks at 1")
    void indexBackwardsAndZero() throws Exception {
        script.add(health(100, "10.0.0.1")).add(health(50, "10.0.0.1")).add(health(0, "10.0.0.2"));
        ConsulDiscovery d = discovery(null);
        Recorder rec = new Recorder();
        d.watch("web", rec);

        RecordedRequest first = script.take();
        assertThat(first.getUrl().encodedPath()).isEqualTo("/v1/health/service/web");
        assertThat(first.getUrl().queryParameter("passing")).isEqualTo("true");
        assertThat(first.getUrl().queryParameter("index")).isNull();

        RecordedRequest second = script.take();
        assertThat(second.getUrl().queryParameter("index")).isEqualTo("100");
        assertThat(second.getUrl().queryParameter("wait")).isEqualTo("7s");

        RecordedRequest third = script.take();
        assertThat(third.getUrl().queryParameter("index")).as("reset after going backwards").isNull();

        RecordedRequest fourth = script.take();
        assertThat(fourth.getUrl().queryParameter("index")).as("index 0 treated as 1").isEqualTo("1");

        await().atMost(Duration.ofSeconds(5)).until(() -> rec.calls.size() == 2);
        assertThat(rec.calls).extracting(Recorder::addresses)
                .containsExactly(List.of("10.0.0.1:80"), List.of("10.0.0.2:80"));
        Endpoint e = rec.last().all().get(0);
        assertThat(e.node()).isEqualTo("node0");
        assertThat(e.tags()).containsExactly("t");
        assertThat(e.meta()).containsEntry("k", "v");
    }

    @Test
    @DisplayName("the token goes in the X-Consul-Token header, never in the URL")
    void tokenInHeader() throws Exception {
        script.add(health(5, "10.0.0.1"));
        ConsulDiscovery d = discovery("header-secret-token");
        d.resolve("web");
        RecordedRequest r = script.take();
        assertThat(r.getHeaders().get("X-Consul-Token")).isEqualTo("header-secret-token");
        assertThat(r.getUrl().toString()).doesNotContain("header-secret-token");
        assertThat(d.toString()).doesNotContain("header-secret-token");
    }

    @Test
    @DisplayName("5xx 'No cluster leader': last endpoints served stale, no exception, fresh again afterwards")
    void noLeader() throws Exception {
        script.add(health(5, "10.0.0.1"))
                .add(new MockResponse.Builder().code(500).body("No cluster leader").build())
                .add(new MockResponse.Builder().code(500).body("No cluster leader").build())
                .add(health(7, "10.0.0.1"));
        ConsulDiscovery d = discovery(null);
        assertThat(d.resolve("web").stale()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests.size() >= 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> !d.resolve("web").stale() && d.resolve("web").index() == 7);
        assertThat(Recorder.addresses(d.resolve("web"))).containsExactly("10.0.0.1:80");
    }

    @Test
    @DisplayName("stats(): requests, errors by kind, blocking round trips, changes; a 403 is an ACL error")
    void stats() {
        script.add(health(5, "10.0.0.1"))
                .add(health(6, "10.0.0.1"))
                .add(new MockResponse.Builder().code(500).body("No cluster leader").build())
                .add(new MockResponse.Builder().code(403).body("Permission denied").build())
                .add(health(8, "10.0.0.2"));
        ConsulDiscovery d = discovery(null);
        assertThat(d.stats().requests()).isZero();
        d.resolve("web");
        await().atMost(Duration.ofSeconds(5)).until(() -> d.resolve("web").index() == 8);
        DiscoveryStats s = d.stats();
        assertThat(s.watchedNames()).isEqualTo(1);
        assertThat(s.requests()).isGreaterThanOrEqualTo(5);
        // at least: the loop's next blocking request gets a 500 once the script holds it 3 s
        assertThat(s.errors(DiscoveryStats.ErrorKind.SERVER_ERROR)).isGreaterThanOrEqualTo(1);
        assertThat(s.errors(DiscoveryStats.ErrorKind.ACL_DENIED)).isEqualTo(1);
        assertThat(s.errors(DiscoveryStats.ErrorKind.TIMEOUT) + s.errors(DiscoveryStats.ErrorKind.CONNECTION))
                .isZero();
        assertThat(s.blockingQueries()).isEqualTo(1);
        assertThat(s.changesPublished()).isEqualTo(2);
        assertThat(s.agentRotations()).isZero();
        assertThat(s.oldestStale()).isZero();
        assertThat(s.toString()).contains("ACL_DENIED=1");
    }

    @Test
    @DisplayName("tag and datacenter go into the query; refresh asks at once without blocking")
    void tagDatacenterRefresh() throws Exception {
        script.add(health(5, "10.0.0.1")).add(health(6, "10.0.0.1", "10.0.0.2"));
        ConsulDiscovery d = discovery(null);
        d.resolve("primary.web.service.dc2.consul");
        RecordedRequest first = script.take();
        assertThat(first.getUrl().queryParameter("tag")).isEqualTo("primary");
        assertThat(first.getUrl().queryParameter("dc")).isEqualTo("dc2");
        // the loop now blocks on the exhausted script; a refresh is answered with the next entry
        script.take();
        script.add(health(8, "10.0.0.1", "10.0.0.3"));
        Endpoints e = d.refresh("primary.web.service.dc2.consul").get(10, TimeUnit.SECONDS);
        assertThat(e.name()).isEqualTo("primary.web.service.dc2.consul");
        assertThat(Recorder.addresses(e)).hasSize(2);
    }

    @Test
    @DisplayName("STALE asks with ?stale, re-asks the leader when the answer is too stale; CACHED asks with ?cached")
    void consistency() throws Exception {
        MockResponse tooStale = health(5, "10.0.0.1").newBuilder().setHeader("X-Consul-LastContact", "60000").build();
        script.add(tooStale).add(health(6, "10.0.0.2"));
        discovery = ConsulDiscovery.builder().agent("127.0.0.1:" + server.getPort()).consistency(Consistency.STALE)
                .maxStaleness(Duration.ofSeconds(1)).build();
        assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.2:80");
        assertThat(script.take().getUrl().queryParameterNames()).contains("stale");
        assertThat(script.take().getUrl().queryParameterNames()).doesNotContain("stale");
        discovery.close();

        script.add(health(7, "10.0.0.3"));
        discovery = ConsulDiscovery.builder().agent("127.0.0.1:" + server.getPort()).consistency(Consistency.CACHED)
                .build();
        discovery.resolve("web");
        RecordedRequest cached;
        do {
            cached = script.take();
        } while (cached.getUrl().queryParameter("index") != null);
        assertThat(cached.getUrl().queryParameterNames()).contains("cached");
    }

    @Test
    @DisplayName("far more than OkHttp's default 5 requests per host are in flight at once")
    void manyBlockingRequestsAtOnce() {
        // the exhausted script holds every request for 3 s, like a blocking query
        ConsulDiscovery d = discovery(null);
        for (int i = 0; i < 30; i++) {
            d.resolveAsync("svc-" + i);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> script.requests.size() >= 30);
    }

    @Test
    @DisplayName("a watch nobody uses stops after the idle timeout; a watched one does not")
    void idleWatchesStop() {
        script.addFor("web", health(5, "10.0.0.1")).addFor("other", health(5, "10.0.0.1"));
        discovery = ConsulDiscovery.builder().agent("127.0.0.1:" + server.getPort())
                .idleWatchTimeout(Duration.ofMillis(300)).build();
        DefaultConsulDiscovery d = (DefaultConsulDiscovery) discovery;
        d.resolve("web");
        Watch w = d.watch("other", new Recorder());
        await().atMost(Duration.ofSeconds(5)).until(() -> d.activeWatches() == 1);
        // the watched name stays
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> d.activeWatches() == 1);
        w.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> d.activeWatches() == 0);
        // used again: a new watch starts
        script.add(health(9, "10.0.0.9"));
        assertThat(Recorder.addresses(d.resolve("web"))).containsExactly("10.0.0.9:80");
    }

    @Test
    @DisplayName("close() leaves no thread of ours and cancels the requests in flight")
    void closeLeavesNothing() throws Exception {
        // per service: the web watch's next blocking query must not take other's first answer
        script.addFor("web", health(5, "10.0.0.1")).addFor("other", health(5, "10.0.0.2"));
        ConsulDiscovery d = discovery(null);
        Recorder rec = new Recorder();
        List<Boolean> daemon = new CopyOnWriteArrayList<>();
        d.watch("web", rec);
        d.watch("web", e -> daemon.add(Thread.currentThread().isDaemon()));
        d.resolve("other");
        await().atMost(Duration.ofSeconds(5)).until(() -> script.requests.size() >= 3 && daemon.size() == 1);
        assertThat(rec.threads).allMatch(n -> n.startsWith("waymark-discovery-listener-"));
        assertThat(daemon).containsOnly(true);
        assertThat(OpenConnections.threads(NamedThreadFactory.PREFIX)).isNotEmpty();
        d.close();
        assertThat(OpenConnections.threads(NamedThreadFactory.PREFIX)).isEmpty();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> OpenConnections.to("127.0.0.1", server.getPort()) == 0);
        d.close();
        assertThatThrownBy(() -> d.resolve("web"))
                .isInstanceOf(IllegalStateException.class).hasMessage("this ConsulDiscovery is closed");
    }

    @Nested
    @DisplayName("HTTPS")
    class Https {

        @Test
        @DisplayName("an agent with a self-signed certificate is reached with the configured trust store only")
        void trustStore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
            java.nio.file.Path file = dir.resolve("agent.p12");
            Process keytool = new ProcessBuilder("keytool", "-genkeypair", "-alias", "agent", "-keyalg", "RSA",
                    "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                    "-keystore", file.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                    "-keypass", "changeit").redirectErrorStream(true).start();
            String out = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(keytool.waitFor()).as(out).isZero();
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
                ks.load(in, "changeit".toCharArray());
            }
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            server.close();
            server = new MockWebServer();
            server.setDispatcher(script);
            server.useHttps(ctx.getSocketFactory());
            server.start(java.net.InetAddress.getByName("127.0.0.1"), 0);
            script.add(health(5, "10.0.0.1"));

            try (ConsulDiscovery untrusting = ConsulDiscovery.builder().agent("https://127.0.0.1:" + server.getPort())
                    .resolveTimeout(Duration.ofSeconds(3)).build()) {
                assertThatThrownBy(() -> untrusting.resolve("web"))
                        .isInstanceOf(DiscoveryException.class);
            }
            discovery = ConsulDiscovery.builder().agent("https://127.0.0.1:" + server.getPort()).trustStore(ks)
                    .build();
            assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");
            RecordedRequest r = script.take();
            assertThat(r.getHandshake()).isNotNull();
        }
    }
}
