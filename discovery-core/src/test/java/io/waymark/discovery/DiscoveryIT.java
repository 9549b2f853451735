package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ServiceSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Against real Consul: one server and two client agents, "a" (which the discovery asks)
 * and "b" (where most services are registered, so that the test's own HTTP calls do not
 * count against agent a's per-client connection limit).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DiscoveryIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger SEQ = new AtomicInteger();

    private ConsulCluster consul;
    private ConsulAgent a;
    private ConsulAgent b;
    @RegisterExtension
    final Opened opened = new Opened();

    @BeforeAll
    void startConsul() {
        consul = ConsulCluster.builder().servers(1).clientAgent("agent-a").clientAgent("agent-b").start();
        a = consul.agent("agent-a");
        b = consul.agent("agent-b");
    }

    @AfterAll
    void stopConsul() {
        if (consul != null) {
            consul.close();
        }
    }

    private ConsulDiscovery http(ConsulAgent... agents) {
        ConsulDiscoveryBuilder builder = ConsulDiscovery.builder().retryBackoff(Duration.ofMillis(50),
                Duration.ofSeconds(1));
        for (ConsulAgent agent : agents) {
            builder.agent(agent.httpAddress());
        }
        return opened.track(builder.build());
    }

    private static String unique(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    private static ServiceSpec plain(String name, String id, String address, int port, String... tags) {
        return ServiceSpec.builder(name).id(id).address(address).port(port).tags(tags).build();
    }

    /** Registers {@code svc-1} at {@code address}:9000 on agent b, with the TTL check {@code svc-check} passing. */
    private void registerPassingTtl(String svc, String address) {
        b.register(ServiceSpec.builder(svc).id(svc + "-1").address(address).port(9000)
                .ttlCheck(Duration.ofMinutes(5), svc + "-check").build());
        b.updateTtl(svc + "-check", "passing");
    }

    private static void httpPost(ConsulAgent agent, String path, String json) {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL(
                    "http://" + agent.httpAddress() + path).openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
            assertThat(c.getResponseCode()).isEqualTo(200);
            c.disconnect();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The agent's limits.http_max_conns_per_client. */
    private static int connectionLimit(ConsulAgent agent) {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL(
                    "http://" + agent.httpAddress() + "/v1/agent/self").openConnection();
            try (java.io.InputStream in = c.getInputStream()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"HTTPMaxConnsPerClient\":\\s*(\\d+)")
                        .matcher(body);
                return m.find() ? Integer.parseInt(m.group(1)) : 200;
            } finally {
                c.disconnect();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Nested
    @DisplayName("HTTP mode")
    class Http {

        @Test
        @DisplayName("register and deregister reach resolve and watchers, with node, tags and meta")
        void registerDeregister() {
            String svc = unique("web");
            b.register(ServiceSpec.builder(svc).id(svc + "-1").address("127.0.0.51").port(8080).tags("blue")
                    .meta("zone", "z1").build());
            ConsulDiscovery d = http(a);
            Recorder rec = new Recorder();
            d.watch(svc + ".service.consul", rec);

            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.51:8080")));
            Endpoint e = d.resolve(svc).all().get(0);
            assertThat(e.node()).isEqualTo("agent-b");
            assertThat(e.tags()).containsExactly("blue");
            assertThat(e.meta()).containsEntry("zone", "z1");
            assertThat(rec.last().name()).isEqualTo(svc + ".service.consul");
            assertThat(rec.last().stale()).isFalse();

            b.register(plain(svc, svc + "-2", "127.0.0.52", 8080));
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.51:8080", "127.0.0.52:8080")));
            b.deregister(svc + "-1");
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.52:8080")));
            assertThat(Recorder.addresses(d.resolve(svc))).containsExactly("127.0.0.52:8080");
        }

        @Test
        @DisplayName("a TTL check going critical removes the instance; passing again brings it back")
        void healthFlip() {
            String svc = unique("ttl");
            registerPassingTtl(svc, "127.0.0.53");
            ConsulDiscovery d = http(a);
            Recorder rec = new Recorder();
            d.watch(svc, rec);
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.53:9000")));

            b.updateTtl(svc + "-check", "critical");
            await().atMost(WAIT).until(() -> rec.last().isEmpty());
            assertThat(d.resolve(svc).isEmpty()).isTrue();

            b.updateTtl(svc + "-check", "passing");
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.53:9000")));
        }

        @Test
        @DisplayName("warning instances are served only with includeWarning, and a status bump is no change")
        void warning() {
            String svc = unique("warn");
            registerPassingTtl(svc, "127.0.0.54");
            ConsulDiscovery passingOnly = http(a);
            ConsulDiscovery withWarning = opened.track(ConsulDiscovery.builder().agent(a.httpAddress())
                    .includeWarning(true).build());
            Recorder rec = new Recorder();
            withWarning.watch(svc, rec);
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.54:9000")));
            long indexBefore = withWarning.resolve(svc).index();

            b.updateTtl(svc + "-check", "warning");
            await().atMost(WAIT).until(() -> passingOnly.resolve(svc).isEmpty());
            await().atMost(WAIT).until(() -> withWarning.resolve(svc).index() > indexBefore);
            assertThat(Recorder.addresses(withWarning.resolve(svc))).containsExactly("127.0.0.54:9000");
            // the index moved, the endpoints did not: no second call
            assertThat(rec.calls).hasSize(1);

            b.updateTtl(svc + "-check", "critical");
            await().atMost(WAIT).until(() -> rec.last().isEmpty());
        }

        @Test
        @DisplayName("every name form of one service resolves the same, tags filter")
        void nameForms() {
            String svc = unique("forms");
            b.register(plain(svc, svc + "-1", "127.0.0.55", 1, "primary"));
            b.register(plain(svc, svc + "-2", "127.0.0.56", 2, "secondary"));
            ConsulDiscovery d = http(a);
            await().atMost(WAIT).until(() -> d.resolve(svc).all().size() == 2);
            assertThat(Recorder.addresses(d.resolve(svc + ".service.consul"))).hasSize(2);
            assertThat(Recorder.addresses(d.resolve(svc + ".service.dc1.consul."))).hasSize(2);
            assertThat(Recorder.addresses(d.resolve("_" + svc + "._tcp.service.consul"))).hasSize(2);
            assertThat(Recorder.addresses(d.resolve("primary." + svc + ".service.consul")))
                    .containsExactly("127.0.0.55:1");
            assertThat(Recorder.addresses(d.resolve("_" + svc + "._secondary.service.consul")))
                    .containsExactly("127.0.0.56:2");
            assertThat(d.resolve(svc.toUpperCase() + ".service.consul").name())
                    .isEqualTo(svc.toUpperCase() + ".service.consul");
        }

        @Test
        @DisplayName("an unknown service is known to have no endpoints; refresh answers at once")
        void unknownAndRefresh() throws Exception {
            String svc = unique("nothing");
            ConsulDiscovery d = http(a);
            assertThat(d.resolve(svc).isEmpty()).isTrue();
            b.register(plain(svc, svc + "-1", "127.0.0.57", 7));
            await().atMost(WAIT).until(() -> !d.refresh(svc).get().isEmpty());
            assertThat(Recorder.addresses(d.resolveAsync(svc).get())).containsExactly("127.0.0.57:7");
        }

        @Test
        @DisplayName("consistency STALE and CACHED resolve and follow changes too")
        void consistencyModes() {
            String svc = unique("modes");
            b.register(plain(svc, svc + "-1", "127.0.0.59", 1));
            ConsulDiscovery stale = opened.track(ConsulDiscovery.builder().agent(a.httpAddress())
                    .consistency(Consistency.STALE).maxStaleness(Duration.ofSeconds(5)).build());
            ConsulDiscovery cached = opened.track(ConsulDiscovery.builder().agent(a.httpAddress())
                    .consistency(Consistency.CACHED).build());
            Recorder staleRec = new Recorder();
            Recorder cachedRec = new Recorder();
            stale.watch(svc, staleRec);
            cached.watch(svc, cachedRec);
            await().atMost(WAIT).until(() -> staleRec.addresses().size() == 1 && cachedRec.addresses().size() == 1);
            b.register(plain(svc, svc + "-2", "127.0.0.60", 2));
            await().atMost(WAIT).until(() -> staleRec.addresses().size() == 2 && cachedRec.addresses().size() == 2);
        }

        @Test
        @DisplayName("a prepared query resolves by HTTP and by DNS")
        void preparedQuery() {
            String svc = unique("pq");
            b.register(plain(svc, svc + "-1", "127.0.0.65", 65));
            httpPost(a, "/v1/query", "{\"Name\":\"" + svc + "-query\",\"Service\":{\"Service\":\"" + svc + "\"}}");
            ConsulDiscovery viaHttp = opened.track(ConsulDiscovery.builder().agent(a.httpAddress())
                    .pollInterval(Duration.ofMillis(300)).build());
            ConsulDiscovery viaDns = opened.track(ConsulDiscovery.builder().agent(a.httpAddress())
                    .mode(DiscoveryMode.DNS).build());
            Recorder rec = new Recorder();
            viaHttp.watch(svc + "-query.query.consul", rec);
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.65:65")));
            assertThat(Recorder.addresses(viaDns.resolve(svc + "-query.query.consul"))).containsExactly("127.0.0.65:65");
            b.register(plain(svc, svc + "-2", "127.0.0.66", 66));
            await().atMost(WAIT).until(() -> rec.addresses().size() == 2);
        }

        @Test
        @DisplayName("200 services watched through one agent all see their change; close leaves nothing behind")
        void manyWatches() {
            String prefix = unique("many");
            // each watched name holds one connection while it blocks; Consul refuses more than
            // limits.http_max_conns_per_client (default 200) per client address; the testkit raises it
            assertThat(connectionLimit(a)).as("agent's http_max_conns_per_client").isGreaterThan(220);
            int n = 200;
            for (int i = 0; i < n; i++) {
                b.register(plain(prefix + "-" + i, prefix + "-" + i + "-a", "127.0.1." + (i % 250 + 1), 1000));
            }
            ConsulDiscovery d = http(a);
            List<Recorder> recorders = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Recorder r = new Recorder();
                recorders.add(r);
                d.watch(prefix + "-" + i, r);
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> recorders.stream().allMatch(r -> r.addresses().size() == 1));
            for (int i = 0; i < n; i++) {
                b.register(plain(prefix + "-" + i, prefix + "-" + i + "-b", "127.0.2." + (i % 250 + 1), 1000));
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> recorders.stream().allMatch(r -> r.addresses().size() == 2));
            String host = a.host();
            assertThat(OpenConnections.to(host, 8500)).isGreaterThanOrEqualTo(n);

            d.close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(OpenConnections.threads(NamedThreadFactory.PREFIX)).isEmpty();
                assertThat(OpenConnections.to(host, 8500)).isZero();
            });
            for (int i = 0; i < n; i++) {
                b.deregister(prefix + "-" + i + "-a");
                b.deregister(prefix + "-" + i + "-b");
            }
        }

        @Test
        @DisplayName("the ACL token is never logged, nor in toString or exception messages")
        void tokenNeverShown() {
            String token = "7e3c1f0a-secret-token-" + SEQ.incrementAndGet();
            PrintStream err = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(new TeeStream(err, captured), true, StandardCharsets.UTF_8));
            String messages;
            String svc = unique("tok");
            try {
                b.register(plain(svc, svc + "-1", "127.0.0.58", 58));
                ConsulDiscovery good = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).token(token)
                        .build());
                assertThat(good.resolve(svc).all()).hasSize(1);
                // an agent that is not there: failures get logged and thrown
                ConsulDiscovery bad = opened.track(ConsulDiscovery.builder().agent("127.0.0.1:1").token(token)
                        .resolveTimeout(Duration.ofSeconds(3)).build());
                messages = "";
                try {
                    bad.resolve(svc);
                } catch (DiscoveryException e) {
                    messages = e.toString() + e.getCause();
                }
                messages += good + " " + bad + " " + good.resolve(svc);
            } finally {
                System.setErr(err);
            }
            assertThat(messages).contains("DiscoveryException").doesNotContain(token);
            assertThat(captured.toString(StandardCharsets.UTF_8)).contains("127.0.0.1:1").doesNotContain(token);
        }
    }

    @Nested
    @DisplayName("registered instances, whatever their health")
    class Registered {

        @Test
        @DisplayName("critical and warning instances are listed with their health, kept current, in either mode")
        void everyInstance() {
            String svc = unique("reg");
            for (int i = 1; i <= 3; i++) {
                b.register(ServiceSpec.builder(svc).id(svc + "-" + i).address("127.0.0.8" + i).port(3306)
                        .tags("db").ttlCheck(Duration.ofMinutes(5), svc + "-check-" + i).build());
            }
            b.updateTtl(svc + "-check-1", "passing");
            b.updateTtl(svc + "-check-2", "warning");
            // the third stays critical, as a TTL check starts
            ConsulDiscovery http = http(a);
            ConsulDiscovery dns = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).mode(DiscoveryMode.DNS)
                    .build());
            for (ConsulDiscovery d : List.of(http, dns)) {
                await().atMost(WAIT).until(() -> health(d.registered(svc + ".service.consul")).equals(
                        List.of("127.0.0.81:3306=PASSING", "127.0.0.82:3306=WARNING", "127.0.0.83:3306=CRITICAL")));
                assertThat(d.registered("db." + svc + ".service.consul").name())
                        .isEqualTo("db." + svc + ".service.consul");
                assertThat(d.registered("nope." + svc + ".service.consul").isEmpty()).isTrue();
            }
            assertThat(Recorder.addresses(http.resolve(svc))).containsExactly("127.0.0.81:3306");
            assertThat(http.resolve(svc).all().get(0).health()).isEqualTo(Endpoint.Health.PASSING);

            // kept current by a blocking query, not asked again per call
            long requests = http.stats().requests();
            b.updateTtl(svc + "-check-3", "passing");
            await().atMost(WAIT).until(() -> health(http.registered(svc)).contains("127.0.0.83:3306=PASSING"));
            assertThat(http.stats().requests() - requests).isLessThan(10);
            b.deregister(svc + "-2");
            await().atMost(WAIT).until(() -> http.registered(svc).all().size() == 2);

            assertThatThrownBy(() -> http.registered(svc + ".query.consul"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prepared queries");
        }

        @Test
        @DisplayName("agent down: the last list is served stale; a never-seen name fails clearly")
        void outage() {
            String svc = unique("regout");
            b.register(plain(svc, svc + "-1", "127.0.0.84", 3306));
            ConsulDiscovery d = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).agent("127.0.0.1:1")
                    .retryBackoff(Duration.ofMillis(50), Duration.ofSeconds(1)).resolveTimeout(Duration.ofSeconds(3))
                    .build());
            assertThat(d.registered(svc).all()).hasSize(1);
            ConsulDiscovery unreachable = opened.track(ConsulDiscovery.builder().agent("127.0.0.1:1")
                    .resolveTimeout(Duration.ofSeconds(3)).build());
            assertThatThrownBy(() -> unreachable.registered(svc)).isInstanceOf(DiscoveryException.class)
                    .hasMessageContaining("127.0.0.1:1");
            a.stop();
            try {
                await().atMost(WAIT).until(() -> d.registered(svc).stale());
                assertThat(d.registered(svc).all()).hasSize(1);
                assertThat(d.stats().agentRotations()).isPositive();
            } finally {
                a.start();
            }
            await().atMost(WAIT).until(() -> !d.registered(svc).stale());
        }

        private List<String> health(Endpoints e) {
            return e.all().stream().map(x -> x.address() + "=" + x.health()).sorted().collect(
                    java.util.stream.Collectors.toList());
        }
    }

    @Nested
    @DisplayName("bounds")
    class Bounds {

        /** Threads carrying our HTTP calls: ours by name, or renamed by OkHttp while a call to {@code agent} runs. */
        private long httpThreads(ConsulAgent agent) {
            return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                    .filter(n -> n.startsWith("waymark-discovery-http-")
                            || n.startsWith("OkHttp http://" + agent.httpAddress()))
                    .count();
        }

        @Test
        @DisplayName("300 distinct names with maxWatches(40): at most 40 watches, threads and connections bounded")
        void manyNames() {
            String prefix = unique("many");
            String svc = prefix + "-real";
            b.register(plain(svc, svc + "-1", "127.0.0.59", 59));
            ConsulDiscovery d = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).maxWatches(40).build());
            long bound = DefaultConsulDiscovery.ioThreads(((DefaultConsulDiscovery) d).settings);
            long maxThreads = 0;
            for (int i = 0; i < 300; i++) {
                assertThat(d.resolve(prefix + "-" + i).isEmpty()).isTrue();
                if (i % 20 == 0) {
                    maxThreads = Math.max(maxThreads, httpThreads(a));
                }
            }
            assertThat(Recorder.addresses(d.resolve(svc))).containsExactly("127.0.0.59:59");
            DiscoveryStats stats = d.stats();
            assertThat(((DefaultConsulDiscovery) d).activeWatches()).isLessThanOrEqualTo(40);
            assertThat(stats.watchedNames()).isLessThanOrEqualTo(40);
            assertThat(stats.watchesEvicted()).isGreaterThanOrEqualTo(300 - 40);
            assertThat(Math.max(maxThreads, httpThreads(a))).as("HTTP threads").isLessThanOrEqualTo(bound);
            // evicted watches' blocking queries are cancelled, not left to wait out their 5 minutes
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(OpenConnections.to(a.host(), 8500)).isLessThanOrEqualTo(40 + 8));
        }

        @Test
        @DisplayName("at the cap with listeners everywhere: new names get one-shot answers, watch() is refused")
        void capFullOfListeners() {
            String prefix = unique("capped");
            b.register(plain(prefix + "-new", prefix + "-new-1", "127.0.0.60", 60));
            ConsulDiscovery d = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).maxWatches(3).build());
            List<Watch> watches = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Recorder rec = new Recorder();
                watches.add(d.watch(prefix + "-" + i, rec));
                await().atMost(WAIT).until(() -> rec.last() != null);
            }
            assertThat(Recorder.addresses(d.resolve(prefix + "-new"))).containsExactly("127.0.0.60:60");
            assertThat(Recorder.addresses(d.resolve(prefix + "-new"))).containsExactly("127.0.0.60:60");
            assertThat(d.stats().uncachedLookups()).isEqualTo(2);
            assertThat(((DefaultConsulDiscovery) d).activeWatches()).isEqualTo(3);
            assertThatThrownBy(() -> d.watch(prefix + "-new", new Recorder()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxWatches");

            watches.get(0).close();
            Recorder rec = new Recorder();
            d.watch(prefix + "-new", rec);
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.60:60")));
            assertThat(((DefaultConsulDiscovery) d).activeWatches()).isEqualTo(3);
            assertThat(d.stats().watchesEvicted()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("agents failing")
    class Agents {

        @Test
        @DisplayName("the first agent killed: the second one serves, changes keep coming")
        void firstAgentKilled() {
            String svc = unique("kill");
            b.register(plain(svc, svc + "-1", "127.0.0.61", 61));
            ConsulDiscovery d = http(a, b);
            Recorder rec = new Recorder();
            d.watch(svc, rec);
            await().atMost(WAIT).until(() -> rec.addresses().size() == 1);
            a.kill();
            try {
                b.register(plain(svc, svc + "-2", "127.0.0.62", 62));
                await().atMost(WAIT).until(() -> rec.addresses().size() == 2);
                assertThat(d.resolve(svc).stale()).isFalse();
                // a new name works too, through the second agent
                assertThat(d.resolve(svc + ".service.consul").all()).hasSize(2);
            } finally {
                a.start();
            }
        }

        @Test
        @DisplayName("the only agent restarted: stale meanwhile, then fresh and following changes")
        void agentRestart() {
            String svc = unique("restart");
            b.register(plain(svc, svc + "-1", "127.0.0.63", 63));
            ConsulDiscovery d = http(a);
            Recorder rec = new Recorder();
            d.watch(svc, rec);
            await().atMost(WAIT).until(() -> rec.addresses().size() == 1);
            a.stop();
            try {
                await().atMost(WAIT).until(() -> d.resolve(svc).stale());
                assertThat(Recorder.addresses(d.resolve(svc))).containsExactly("127.0.0.63:63");
            } finally {
                a.start();
            }
            await().atMost(WAIT).until(() -> !d.resolve(svc).stale());
            b.register(plain(svc, svc + "-2", "127.0.0.64", 64));
            await().atMost(WAIT).until(() -> rec.addresses().size() == 2);
        }

        @Test
        @DisplayName("a name never known, with Consul unreachable: a clear exception, bounded in time")
        void unreachable() {
            ConsulDiscovery d = opened.track(ConsulDiscovery.builder().agent("127.0.0.1:1").resolveTimeout(
                    Duration.ofSeconds(2)).build());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.resolve("web"))
                    .isInstanceOf(DiscoveryException.class).hasMessageContaining("127.0.0.1:1");
        }
    }

    @Nested
    @DisplayName("DNS mode")
    class Dns {

        @Test
        @DisplayName("resolves SRV with ports and nodes, and follows a change")
        void resolvesAndFollows() {
            String svc = unique("dns");
            b.register(plain(svc, svc + "-1", "127.0.0.71", 7001));
            ConsulDiscovery d = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).mode(DiscoveryMode.DNS)
                    .dnsPollInterval(Duration.ofMillis(300)).build());
            Recorder rec = new Recorder();
            d.watch(svc + ".service.consul", rec);
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.71:7001")));
            assertThat(d.resolve(svc).all().get(0).node()).isIn("agent-b", "");

            b.register(plain(svc, svc + "-2", "127.0.0.72", 7002));
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.71:7001", "127.0.0.72:7002")));
            b.deregister(svc + "-1");
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.72:7002")));
            assertThat(d.resolve("_" + svc + "._tcp.service.consul").all()).hasSize(1);
        }

        @Test
        @DisplayName("a service without its own address resolves to its node's address")
        void nodeAddress() {
            String svc = unique("dnsnode");
            b.register(ServiceSpec.builder(svc).id(svc + "-1").port(7003).build());
            ConsulDiscovery d = opened.track(ConsulDiscovery.builder().agent(a.httpAddress()).mode(DiscoveryMode.DNS)
                    .build());
            await().atMost(WAIT).until(() -> !d.resolve(svc).isEmpty());
            Endpoint e = d.resolve(svc).all().get(0);
            assertThat(e.host()).isEqualTo(b.host());
            assertThat(e.port()).isEqualTo(7003);
            assertThat(e.node()).isEqualTo("agent-b");
            Map<String, String> none = e.meta();
            assertThat(none).isEmpty();
        }
    }
}
